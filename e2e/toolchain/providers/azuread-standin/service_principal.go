package main

// azuread.ServicePrincipal: created for an application, or an existing one
// adopted (useExisting).

import (
	"context"
	"fmt"
	"net/url"
	"time"
)

func spObjectID(id string) string { return bareID(id, "/servicePrincipals/") }

func readServicePrincipal(ctx context.Context, a *authConfig, id string, state props) (props, error) {
	oid := spObjectID(id)
	var sp map[string]any
	if err := a.call(ctx, "GET", "v1.0/servicePrincipals/"+oid, nil, &sp); err != nil {
		return nil, err
	}
	var beta map[string]any
	if err := a.call(ctx, "GET", "beta/servicePrincipals/"+oid+"?$select=samlMetadataUrl", nil, &beta); err != nil {
		return nil, err
	}
	own, err := owners(ctx, a, "servicePrincipals", oid)
	if err != nil {
		return nil, err
	}
	out := copyProps(state)
	for k, v := range spProps(sp) {
		out[k] = v
	}
	out["owners"] = own
	out["samlMetadataUrl"] = beta["samlMetadataUrl"]
	if out["notes"] == nil {
		delete(out, "notes")
	}
	if out["samlMetadataUrl"] == nil {
		delete(out, "samlMetadataUrl")
	}
	return out, nil
}

func spProps(sp map[string]any) props {
	roleIDs := map[string]any{}
	roles, _ := sp["appRoles"].([]any)
	for _, r := range roles {
		if m, ok := r.(map[string]any); ok {
			if v, _ := m["value"].(string); v != "" {
				roleIDs[v] = m["id"]
			}
		}
	}
	scopeIDs := map[string]any{}
	scopes, _ := sp["oauth2PermissionScopes"].([]any)
	for _, r := range scopes {
		if m, ok := r.(map[string]any); ok {
			if v, _ := m["value"].(string); v != "" {
				scopeIDs[v] = m["id"]
			}
		}
	}
	return props{
		"objectId":                   sp["id"],
		"clientId":                   sp["appId"],
		"displayName":                sp["displayName"],
		"type":                       sp["servicePrincipalType"],
		"accountEnabled":             sp["accountEnabled"],
		"appRoleAssignmentRequired":  sp["appRoleAssignmentRequired"],
		"applicationTenantId":        sp["appOwnerOrganizationId"],
		"notes":                      sp["notes"],
		"signInAudience":             sp["signInAudience"],
		"servicePrincipalNames":      orEmpty(sp["servicePrincipalNames"]),
		"tags":                       orEmpty(sp["tags"]),
		"appRoles":                   orEmpty(sp["appRoles"]),
		"oauth2PermissionScopes":     orEmpty(sp["oauth2PermissionScopes"]),
		"appRoleIds":                 roleIDs,
		"oauth2PermissionScopeIds":   scopeIDs,
		"alternativeNames":           orEmpty(sp["alternativeNames"]),
		"notificationEmailAddresses": orEmpty(sp["notificationEmailAddresses"]),
	}
}

func servicePrincipalsByFilter(ctx context.Context, a *authConfig, filter string) ([]map[string]any, error) {
	var page struct {
		Value []map[string]any `json:"value"`
	}
	path := "v1.0/servicePrincipals?$filter=" + url.QueryEscape(filter)
	if err := a.call(ctx, "GET", path, nil, &page); err != nil {
		return nil, err
	}
	return page.Value, nil
}

func createServicePrincipal(ctx context.Context, a *authConfig, in props) (string, props, error) {
	clientID := str(in, "clientId")
	found, err := servicePrincipalsByFilter(ctx, a, fmt.Sprintf("appId eq '%s'", clientID))
	if err != nil {
		return "", nil, fmt.Errorf("could not list existing service principals: %w", err)
	}
	wanted := strList(in, "owners")
	var oid string
	if len(found) > 0 && in["useExisting"] == true {
		oid, _ = found[0]["id"].(string)
	} else {
		body := map[string]any{
			"appId":                     clientID,
			"accountEnabled":            true,
			"appRoleAssignmentRequired": in["appRoleAssignmentRequired"] == true,
			"owners@odata.bind":         ownerBinds(a, wanted),
			"tags":                      strList(in, "tags"),
		}
		if n := str(in, "notes"); n != "" {
			body["notes"] = n
		}
		if v, ok := in["accountEnabled"].(bool); ok {
			body["accountEnabled"] = v
		}
		var created map[string]any
		if err := a.call(ctx, "POST", "v1.0/servicePrincipals", body, &created); err != nil {
			return "", nil, fmt.Errorf("could not create service principal: %w", err)
		}
		oid, _ = created["id"].(string)
		if len(wanted) > 0 && !contains(wanted, a.callerObjectID) {
			path := fmt.Sprintf("v1.0/servicePrincipals/%s/owners/%s/$ref", oid, a.callerObjectID)
			if err := a.call(ctx, "DELETE", path, nil, nil); err != nil {
				return "", nil, fmt.Errorf("could not remove the initial owner: %w", err)
			}
		}
	}
	id := "/servicePrincipals/" + oid
	out, err := readServicePrincipal(ctx, a, id, in)
	return id, out, err
}

func updateServicePrincipal(ctx context.Context, a *authConfig, id string, _, news props) (props, error) {
	oid := spObjectID(id)
	body := map[string]any{"tags": strList(news, "tags"), "notes": nil}
	if n := str(news, "notes"); n != "" {
		body["notes"] = n
	}
	if v, ok := news["accountEnabled"].(bool); ok {
		body["accountEnabled"] = v
	}
	if v, ok := news["appRoleAssignmentRequired"].(bool); ok {
		body["appRoleAssignmentRequired"] = v
	}
	if err := a.call(ctx, "PATCH", "v1.0/servicePrincipals/"+oid, body, nil); err != nil {
		return nil, fmt.Errorf("could not update service principal: %w", err)
	}
	if _, ok := news["owners"]; ok {
		if err := syncOwners(ctx, a, "servicePrincipals", oid, strList(news, "owners")); err != nil {
			return nil, err
		}
	}
	return readServicePrincipal(ctx, a, id, news)
}

func deleteServicePrincipal(ctx context.Context, a *authConfig, id string, _ props) error {
	path := "v1.0/servicePrincipals/" + spObjectID(id)
	if err := a.call(ctx, "DELETE", path, nil, nil); err != nil {
		return err
	}
	return waitGone(ctx, a, path, 5*time.Second)
}
