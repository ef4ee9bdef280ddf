package main

// Graph is eventually consistent: the real provider polls after a write until
// the tenant agrees, and the stand-in keeps those waits.

import (
	"context"
	"fmt"
	"os"
	"strconv"
	"time"
)

// pollScale shortens the real provider's consistency waits for a test run that
// asks for it (AZUREAD_STANDIN_POLL_SCALE=0.1); the default is the real timing.
func pollInterval(real time.Duration) time.Duration {
	if v := os.Getenv("AZUREAD_STANDIN_POLL_SCALE"); v != "" {
		if f, err := strconv.ParseFloat(v, 64); err == nil && f >= 0 {
			return time.Duration(float64(real) * f)
		}
	}
	return real
}

// waitFor polls check until it holds `times` times in a row (go-azure-sdk's
// consistency helper: ContinuousTargetOccurence), up to a timeout.
func waitFor(ctx context.Context, interval time.Duration, times int, check func() (bool, error)) error {
	deadline := time.Now().Add(5 * time.Minute)
	hits := 0
	for {
		ok, err := check()
		if err != nil {
			return err
		}
		if ok {
			hits++
			if hits >= times {
				return nil
			}
		} else {
			hits = 0
		}
		if time.Now().After(deadline) {
			return fmt.Errorf("timed out waiting for the tenant to become consistent")
		}
		select {
		case <-ctx.Done():
			return ctx.Err()
		case <-time.After(pollInterval(interval)):
		}
	}
}

func waitGone(ctx context.Context, a *authConfig, path string, interval time.Duration) error {
	return waitFor(ctx, interval, 5, func() (bool, error) {
		err := a.call(ctx, "GET", path, nil, nil)
		if isNotFound(err) {
			return true, nil
		}
		return false, err
	})
}
