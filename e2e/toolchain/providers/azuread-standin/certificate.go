package main

// azuread.ApplicationCertificate: a key credential on an application; Graph has
// no per-key call, so the whole keyCredentials list is PATCHed back.

import (
	"context"
	"encoding/base64"
	"encoding/pem"
	"fmt"
	"strings"
	"time"
)

func certificateKey(in props) (string, error) {
	value := str(in, "value")
	switch strings.ToLower(str(in, "encoding")) {
	case "", "pem":
		block, _ := pem.Decode([]byte(value))
		if block == nil {
			return "", fmt.Errorf("value: could not decode the PEM certificate")
		}
		return base64.StdEncoding.EncodeToString(block.Bytes), nil
	case "base64":
		return value, nil
	case "hex":
		return "", fmt.Errorf("encoding: hex is not implemented by the stand-in")
	}
	return "", fmt.Errorf("encoding: must be one of pem, base64, hex")
}

func keyCredentials(ctx context.Context, a *authConfig, oid string) ([]map[string]any, error) {
	var app struct {
		KeyCredentials []map[string]any `json:"keyCredentials"`
	}
	if err := a.call(ctx, "GET", "v1.0/applications/"+oid, nil, &app); err != nil {
		return nil, err
	}
	return app.KeyCredentials, nil
}

func hasKey(creds []map[string]any, keyID string) bool {
	for _, c := range creds {
		if c["keyId"] == keyID {
			return true
		}
	}
	return false
}

// sentBack is a credential as the real provider sends existing ones back:
// without `key`, which Graph does not return.
func sentBack(c map[string]any) map[string]any {
	out := map[string]any{}
	for _, k := range []string{"keyId", "type", "usage", "displayName", "startDateTime", "endDateTime", "customKeyIdentifier"} {
		if v, ok := c[k]; ok && v != nil {
			out[k] = v
		}
	}
	return out
}

func certificateID(oid, keyID string) string { return oid + "/certificate/" + keyID }

func parseCertificateID(id string) (string, string, error) {
	parts := strings.Split(id, "/certificate/")
	if len(parts) != 2 {
		return "", "", fmt.Errorf("parsing the certificate id %q: want {applicationObjectId}/certificate/{keyId}", id)
	}
	return appObjectID(parts[0]), parts[1], nil
}

func createCertificate(ctx context.Context, a *authConfig, in props) (string, props, error) {
	oid := appObjectID(str(in, "applicationId"))
	key, err := certificateKey(in)
	if err != nil {
		return "", nil, err
	}
	keyID := str(in, "keyId")
	if keyID == "" {
		keyID = newUUID() // client-side, as the real provider does
	}
	credential := map[string]any{
		"keyId": keyID, "type": str(in, "type"), "usage": "Verify", "key": key,
	}
	if s := str(in, "startDate"); s != "" {
		credential["startDateTime"] = s
	}
	if e := str(in, "endDate"); e != "" {
		credential["endDateTime"] = e
	}
	existing, err := keyCredentials(ctx, a, oid)
	if err != nil {
		return "", nil, fmt.Errorf("retrieving application %q: %w", oid, err)
	}
	list := []any{}
	for _, c := range existing {
		list = append(list, sentBack(c))
	}
	list = append(list, credential)
	if err := a.call(ctx, "PATCH", "v1.0/applications/"+oid, map[string]any{"keyCredentials": list}, nil); err != nil {
		return "", nil, fmt.Errorf("adding certificate for application with object ID %q: %w", oid, err)
	}
	if err := waitFor(ctx, time.Second, 5, func() (bool, error) {
		creds, err := keyCredentials(ctx, a, oid)
		return err == nil && hasKey(creds, keyID), err
	}); err != nil {
		return "", nil, fmt.Errorf("waiting for certificate credential for application with object ID %q: %w", oid, err)
	}
	out := copyProps(in)
	out["keyId"] = keyID
	return certificateID(oid, keyID), out, nil
}

func readCertificate(ctx context.Context, a *authConfig, id string, state props) (props, error) {
	oid, keyID, err := parseCertificateID(id)
	if err != nil {
		return nil, err
	}
	creds, err := keyCredentials(ctx, a, oid)
	if err != nil {
		return nil, err
	}
	for _, c := range creds {
		if c["keyId"] != keyID {
			continue
		}
		out := copyProps(state)
		out["applicationId"] = "/applications/" + oid
		out["keyId"] = keyID
		out["type"] = c["type"]
		if _, ok := out["encoding"]; !ok {
			out["encoding"] = "pem"
		}
		if _, ok := state["startDate"]; !ok {
			out["startDate"] = c["startDateTime"]
		}
		if _, ok := state["endDate"]; !ok {
			out["endDate"] = c["endDateTime"]
		}
		return out, nil
	}
	return nil, nil
}

func deleteCertificate(ctx context.Context, a *authConfig, id string, _ props) error {
	oid, keyID, err := parseCertificateID(id)
	if err != nil {
		return err
	}
	existing, err := keyCredentials(ctx, a, oid)
	if err != nil {
		return err
	}
	if !hasKey(existing, keyID) {
		return nil
	}
	list := []any{}
	for _, c := range existing {
		if c["keyId"] != keyID {
			list = append(list, sentBack(c))
		}
	}
	if err := a.call(ctx, "PATCH", "v1.0/applications/"+oid, map[string]any{"keyCredentials": list}, nil); err != nil {
		return fmt.Errorf("removing certificate credential %q from application with object ID %q: %w", keyID, oid, err)
	}
	return waitFor(ctx, time.Second, 5, func() (bool, error) {
		creds, err := keyCredentials(ctx, a, oid)
		return err == nil && !hasKey(creds, keyID), err
	})
}
