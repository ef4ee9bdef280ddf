package main

// azuread.ApplicationFederatedIdentityCredential: a trust on an application for
// tokens from an outside issuer.

import (
	"context"
	"fmt"
	"strings"
)

func parseFederatedID(id string) (string, string, error) {
	parts := strings.Split(id, "/federatedIdentityCredential/")
	if len(parts) != 2 {
		return "", "", fmt.Errorf("parsing the federated identity credential id %q", id)
	}
	return appObjectID(parts[0]), parts[1], nil
}

func federatedBody(in props) map[string]any {
	return map[string]any{
		"name":        str(in, "displayName"),
		"description": str(in, "description"),
		"issuer":      str(in, "issuer"),
		"subject":     str(in, "subject"),
		"audiences":   strList(in, "audiences"),
	}
}

func createFederated(ctx context.Context, a *authConfig, in props) (string, props, error) {
	oid := appObjectID(str(in, "applicationId"))
	var created map[string]any
	path := fmt.Sprintf("v1.0/applications/%s/federatedIdentityCredentials", oid)
	if err := a.call(ctx, "POST", path, federatedBody(in), &created); err != nil {
		return "", nil, fmt.Errorf("could not create federated identity credential: %w", err)
	}
	cid, _ := created["id"].(string)
	out := copyProps(in)
	out["credentialId"] = cid
	return oid + "/federatedIdentityCredential/" + cid, out, nil
}

func readFederated(ctx context.Context, a *authConfig, id string, state props) (props, error) {
	oid, cid, err := parseFederatedID(id)
	if err != nil {
		return nil, err
	}
	var m map[string]any
	if err := a.call(ctx, "GET", fmt.Sprintf("v1.0/applications/%s/federatedIdentityCredentials/%s", oid, cid), nil, &m); err != nil {
		return nil, err
	}
	out := copyProps(state)
	out["applicationId"] = "/applications/" + oid
	out["credentialId"] = cid
	out["displayName"] = m["name"]
	out["description"] = m["description"]
	out["issuer"] = m["issuer"]
	out["subject"] = m["subject"]
	out["audiences"] = orEmpty(m["audiences"])
	return out, nil
}

func updateFederated(ctx context.Context, a *authConfig, id string, _, news props) (props, error) {
	oid, cid, err := parseFederatedID(id)
	if err != nil {
		return nil, err
	}
	body := federatedBody(news)
	delete(body, "name")
	if err := a.call(ctx, "PATCH", fmt.Sprintf("v1.0/applications/%s/federatedIdentityCredentials/%s", oid, cid), body, nil); err != nil {
		return nil, err
	}
	return readFederated(ctx, a, id, news)
}

func deleteFederated(ctx context.Context, a *authConfig, id string, _ props) error {
	oid, cid, err := parseFederatedID(id)
	if err != nil {
		return err
	}
	return a.call(ctx, "DELETE", fmt.Sprintf("v1.0/applications/%s/federatedIdentityCredentials/%s", oid, cid), nil, nil)
}
