package main

// azuread.Application: created under a temporary name and then PATCHed, as
// the real provider does.

import (
	"context"
	"fmt"
	"time"
)

func requiredResourceAccessBody(v any) []any {
	out := []any{}
	list, _ := v.([]any)
	for _, e := range list {
		m, _ := e.(map[string]any)
		accesses := []any{}
		raw, _ := m["resourceAccesses"].([]any)
		for _, r := range raw {
			rm, _ := r.(map[string]any)
			accesses = append(accesses, map[string]any{"id": rm["id"], "type": rm["type"]})
		}
		out = append(out, map[string]any{"resourceAppId": m["resourceAppId"], "resourceAccess": accesses})
	}
	return out
}

func requiredResourceAccessState(v any) []any {
	out := []any{}
	list, _ := v.([]any)
	for _, e := range list {
		m, _ := e.(map[string]any)
		accesses := []any{}
		raw, _ := m["resourceAccess"].([]any)
		for _, r := range raw {
			rm, _ := r.(map[string]any)
			accesses = append(accesses, map[string]any{"id": rm["id"], "type": rm["type"]})
		}
		out = append(out, map[string]any{"resourceAppId": m["resourceAppId"], "resourceAccesses": accesses})
	}
	return out
}

func applicationBody(in props) map[string]any {
	body := map[string]any{
		"displayName":            str(in, "displayName"),
		"signInAudience":         str(in, "signInAudience"),
		"requiredResourceAccess": requiredResourceAccessBody(in["requiredResourceAccesses"]),
		"identifierUris":         strList(in, "identifierUris"),
		"tags":                   strList(in, "tags"),
	}
	if n := str(in, "notes"); n != "" {
		body["notes"] = n
	} else {
		body["notes"] = nil
	}
	if d := str(in, "description"); d != "" {
		body["description"] = d
	}
	return body
}

func readApplication(ctx context.Context, a *authConfig, id string, state props) (props, error) {
	oid := appObjectID(id)
	var app map[string]any
	if err := a.call(ctx, "GET", "v1.0/applications/"+oid, nil, &app); err != nil {
		return nil, err
	}
	var beta map[string]any
	if err := a.call(ctx, "GET", "beta/applications/"+oid+"?$select=oauth2RequirePostResponse", nil, &beta); err != nil {
		return nil, err
	}
	own, err := owners(ctx, a, "applications", oid)
	if err != nil {
		return nil, err
	}
	out := copyProps(state)
	for k, v := range (props{
		"objectId":                 app["id"],
		"clientId":                 app["appId"],
		"displayName":              app["displayName"],
		"signInAudience":           app["signInAudience"],
		"notes":                    app["notes"],
		"description":              app["description"],
		"publisherDomain":          app["publisherDomain"],
		"disabledByMicrosoft":      fmt.Sprint(app["disabledByMicrosoftStatus"]),
		"identifierUris":           orEmpty(app["identifierUris"]),
		"tags":                     orEmpty(app["tags"]),
		"owners":                   own,
		"requiredResourceAccesses": requiredResourceAccessState(app["requiredResourceAccess"]),
		"appRoleIds":               map[string]any{},
		"oauth2PermissionScopeIds": map[string]any{},
		"preventDuplicateNames":    state["preventDuplicateNames"],
	}) {
		if v == "<nil>" {
			v = ""
		}
		out[k] = v
	}
	if out["notes"] == nil {
		delete(out, "notes")
	}
	if out["description"] == nil {
		delete(out, "description")
	}
	return out, nil
}

func createApplication(ctx context.Context, a *authConfig, in props) (string, props, error) {
	wanted := strList(in, "owners")
	body := applicationBody(in)
	// The real provider creates under a temporary name, then PATCHes (first the
	// parts that need the object to exist, then the real name).
	temp := "TERRAFORM_UPDATE_" + newUUID()
	body["displayName"] = temp
	body["owners@odata.bind"] = ownerBinds(a, wanted)
	var created map[string]any
	if err := a.call(ctx, "POST", "v1.0/applications", body, &created); err != nil {
		return "", nil, fmt.Errorf("could not create application: %w", err)
	}
	oid, _ := created["id"].(string)
	if oid == "" {
		return "", nil, fmt.Errorf("could not create application: Graph returned no id")
	}
	path := "v1.0/applications/" + oid
	if err := waitFor(ctx, time.Second, 1, func() (bool, error) {
		err := a.call(ctx, "GET", path, nil, nil)
		if isNotFound(err) {
			return false, nil
		}
		return err == nil, err
	}); err != nil {
		return "", nil, err
	}
	if err := a.call(ctx, "PATCH", path, map[string]any{"displayName": temp, "api": map[string]any{}, "appRoles": []any{}}, nil); err != nil {
		return "", nil, fmt.Errorf("could not set the application's API and roles: %w", err)
	}
	if err := a.call(ctx, "PATCH", path, map[string]any{"displayName": str(in, "displayName")}, nil); err != nil {
		return "", nil, fmt.Errorf("could not set the application's name: %w", err)
	}
	if len(wanted) > 0 && !contains(wanted, a.callerObjectID) {
		if err := a.call(ctx, "DELETE", fmt.Sprintf("%s/owners/%s/$ref", path, a.callerObjectID), nil, nil); err != nil {
			return "", nil, fmt.Errorf("could not remove the initial owner: %w", err)
		}
	}
	id := "/applications/" + oid
	out, err := readApplication(ctx, a, id, in)
	return id, out, err
}

func updateApplication(ctx context.Context, a *authConfig, id string, olds, news props) (props, error) {
	oid := appObjectID(id)
	if err := a.call(ctx, "PATCH", "v1.0/applications/"+oid, applicationBody(news), nil); err != nil {
		return nil, fmt.Errorf("could not update application: %w", err)
	}
	if _, ok := news["owners"]; ok {
		if err := syncOwners(ctx, a, "applications", oid, strList(news, "owners")); err != nil {
			return nil, err
		}
	}
	return readApplication(ctx, a, id, news)
}

func deleteApplication(ctx context.Context, a *authConfig, id string, _ props) error {
	path := "v1.0/applications/" + appObjectID(id)
	if err := a.call(ctx, "DELETE", path, nil, nil); err != nil {
		return err
	}
	return waitGone(ctx, a, path, 5*time.Second)
}
