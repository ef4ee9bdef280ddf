package main

// The data sources exo-cba calls, with the real provider's Graph calls.

import (
	"context"
	"encoding/json"
	"fmt"
	"strings"
)

var invokes = map[string]func(context.Context, *authConfig, props) (props, error){
	"azuread:index/getClientConfig:getClientConfig":         getClientConfig,
	"azuread:index/getDomains:getDomains":                   getDomains,
	"azuread:index/getServicePrincipal:getServicePrincipal": getServicePrincipal,
}

// getClientConfig makes no call: the object id is the token's oid.
func getClientConfig(_ context.Context, a *authConfig, _ props) (props, error) {
	return props{
		"id":       fmt.Sprintf("%s-%s-%s", a.ClientID, a.callerObjectID, a.TenantID),
		"clientId": a.ClientID,
		"objectId": a.callerObjectID,
		"tenantId": a.TenantID,
	}, nil
}

func getDomains(ctx context.Context, a *authConfig, args props) (props, error) {
	var page struct {
		Value []map[string]any `json:"value"`
	}
	if err := a.call(ctx, "GET", "v1.0/domains", nil, &page); err != nil {
		return nil, fmt.Errorf("could not list domains: %w", err)
	}
	flag := func(k string) bool { v, _ := args[k].(bool); return v }
	wantServices := strList(args, "supportsServices")
	domains := []any{}
	for _, d := range page.Value {
		is := func(k string) bool { v, _ := d[k].(bool); return v }
		// The real provider reads these as nullable booleans: a filter skips a
		// domain only when the field is present and false.
		isNot := func(k string) bool { v, ok := d[k].(bool); return ok && !v }
		if (!flag("includeUnverified") && isNot("isVerified")) ||
			(flag("onlyDefault") && isNot("isDefault")) ||
			(flag("onlyInitial") && isNot("isInitial")) ||
			(flag("onlyRoot") && isNot("isRoot")) ||
			(args["adminManaged"] != nil && flag("adminManaged") != is("isAdminManaged")) {
			continue
		}
		services := strListOf(d["supportedServices"])
		ok := true
		for _, s := range wantServices {
			ok = ok && contains(services, s)
		}
		if !ok {
			continue
		}
		domains = append(domains, map[string]any{
			"domainName":         d["id"],
			"authenticationType": d["authenticationType"],
			"adminManaged":       is("isAdminManaged"),
			"default":            is("isDefault"),
			"initial":            is("isInitial"),
			"root":               is("isRoot"),
			"verified":           is("isVerified"),
			"supportedServices":  services,
		})
	}
	if len(domains) == 0 {
		return nil, fmt.Errorf("no domains found for the provided filters")
	}
	out := copyProps(args)
	out["id"] = "domains#" + a.TenantID
	out["domains"] = domains
	for _, k := range []string{"includeUnverified", "onlyDefault", "onlyInitial", "onlyRoot"} {
		out[k] = flag(k)
	}
	return out, nil
}

func strListOf(v any) []string {
	raw, _ := v.([]any)
	out := []string{}
	for _, e := range raw {
		if s, ok := e.(string); ok {
			out = append(out, s)
		}
	}
	return out
}

// getServicePrincipal looks up by client id ($filter=appId eq, exactly one),
// by display name, or by object id, then makes the beta read.
func getServicePrincipal(ctx context.Context, a *authConfig, args props) (props, error) {
	var sp map[string]any
	switch {
	case str(args, "objectId") != "":
		oid := str(args, "objectId")
		if err := a.call(ctx, "GET", "v1.0/servicePrincipals/"+oid, nil, &sp); err != nil {
			if isNotFound(err) {
				return nil, fmt.Errorf("service principal not found with object ID: %q", oid)
			}
			return nil, fmt.Errorf("retrieving service principal with object ID %q: %w", oid, err)
		}
	case str(args, "clientId") != "" || str(args, "displayName") != "":
		field, value := "appId", str(args, "clientId")
		if value == "" {
			field, value = "displayName", str(args, "displayName")
		}
		found, err := servicePrincipalsByFilter(ctx, a, fmt.Sprintf("%s eq '%s'", field, strings.ReplaceAll(value, "'", "''")))
		if err != nil {
			return nil, fmt.Errorf("listing service principals for filter %s: %w", field, err)
		}
		if len(found) != 1 {
			return nil, fmt.Errorf("found %d service principals matching filter %s eq %q, expected exactly one", len(found), field, value)
		}
		sp = found[0]
	default:
		return nil, fmt.Errorf("one of `clientId`, `displayName` or `objectId` must be specified")
	}
	oid, _ := sp["id"].(string)
	var beta map[string]any
	if err := a.call(ctx, "GET", "beta/servicePrincipals/"+oid+"?$select=samlMetadataUrl", nil, &beta); err != nil {
		return nil, err
	}
	out := spProps(sp)
	out["id"] = oid
	out["samlMetadataUrl"] = beta["samlMetadataUrl"]
	out["featureTags"] = []any{}
	out["features"] = []any{}
	out["redirectUris"] = orEmpty(sp["replyUrls"])
	out["samlSingleSignOns"] = []any{}
	// The result's nested app roles use the provider's names.
	out["appRoles"] = renameRoles(out["appRoles"])
	return out, nil
}

func renameRoles(v any) []any {
	list, _ := v.([]any)
	out := []any{}
	for _, e := range list {
		m, _ := e.(map[string]any)
		out = append(out, map[string]any{
			"id":                 m["id"],
			"value":              m["value"],
			"displayName":        m["displayName"],
			"description":        m["description"],
			"enabled":            m["isEnabled"],
			"allowedMemberTypes": orEmpty(m["allowedMemberTypes"]),
		})
	}
	return out
}

// schemaJSON is a minimal package schema: name and version, and the resource
// and function tokens this stand-in implements (no property types: the
// Python SDK carries its own).
func schemaJSON() string {
	resources := map[string]any{}
	for tok := range kinds {
		resources[tok] = map[string]any{"description": "stand-in", "properties": map[string]any{}, "type": "object"}
	}
	functions := map[string]any{}
	for tok := range invokes {
		functions[tok] = map[string]any{"description": "stand-in"}
	}
	data, _ := json.Marshal(map[string]any{
		"name":        "azuread",
		"displayName": "Azure Active Directory (Microsoft Entra ID) - exo-cba e2e STAND-IN",
		"version":     Version,
		"resources":   resources,
		"functions":   functions,
		"language":    map[string]any{"python": map[string]any{}},
	})
	return string(data)
}
