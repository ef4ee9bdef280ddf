package main

// Owner references of applications and service principals, kept as the real
// provider keeps them.

import (
	"context"
	"fmt"
)

func owners(ctx context.Context, a *authConfig, collection, id string) ([]any, error) {
	var page struct {
		Value []map[string]any `json:"value"`
	}
	if err := a.call(ctx, "GET", fmt.Sprintf("v1.0/%s/%s/owners", collection, id), nil, &page); err != nil {
		return nil, err
	}
	out := make([]any, 0, len(page.Value))
	for _, o := range page.Value {
		out = append(out, o["id"])
	}
	return out, nil
}

// ownerBinds is the create body's owners@odata.bind: the caller first (so that
// an Application.ReadWrite.OwnedBy caller may finish the create), then the owners.
func ownerBinds(a *authConfig, wanted []string) []string {
	seen := map[string]bool{a.callerObjectID: true}
	binds := []string{a.directoryObjectRef(a.callerObjectID)}
	for _, o := range wanted {
		if !seen[o] {
			seen[o] = true
			binds = append(binds, a.directoryObjectRef(o))
		}
	}
	return binds
}

func contains(list []string, s string) bool {
	for _, e := range list {
		if e == s {
			return true
		}
	}
	return false
}

// syncOwners adds and removes owner references so the object has `wanted`.
func syncOwners(ctx context.Context, a *authConfig, collection, id string, wanted []string) error {
	current, err := owners(ctx, a, collection, id)
	if err != nil {
		return err
	}
	have := []string{}
	for _, o := range current {
		if s, ok := o.(string); ok {
			have = append(have, s)
		}
	}
	for _, o := range wanted {
		if !contains(have, o) {
			body := map[string]any{"@odata.id": a.directoryObjectRef(o)}
			if err := a.call(ctx, "POST", fmt.Sprintf("v1.0/%s/%s/owners/$ref", collection, id), body, nil); err != nil {
				return err
			}
		}
	}
	// Removing the caller last: after that an OwnedBy caller can no longer write.
	var removeCaller bool
	for _, o := range have {
		if contains(wanted, o) {
			continue
		}
		if o == a.callerObjectID {
			removeCaller = true
			continue
		}
		if err := a.call(ctx, "DELETE", fmt.Sprintf("v1.0/%s/%s/owners/%s/$ref", collection, id, o), nil, nil); err != nil {
			return err
		}
	}
	if removeCaller && len(wanted) > 0 {
		return a.call(ctx, "DELETE", fmt.Sprintf("v1.0/%s/%s/owners/%s/$ref", collection, id, a.callerObjectID), nil, nil)
	}
	return nil
}
