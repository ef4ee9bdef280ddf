package main

// The resources exo-cba declares, each with the Graph calls the real provider
// (terraform-provider-azuread v3 under pulumi-azuread 6.x) makes for it, in
// the same order (shared/reference/real-engine.md).

import (
	"context"
	"encoding/base64"
	"encoding/pem"
	"fmt"
	"net/url"
	"os"
	"strconv"
	"strings"
	"time"
)

type kind struct {
	token        string
	required     []string
	defaults     props
	forceNew     map[string]bool
	computed     map[string]bool // outputs the provider fills in (unknown in preview)
	ignoreInDiff map[string]bool
	importInputs []string // inputs an import (Read without inputs) reports
	create       func(context.Context, *authConfig, props) (string, props, error)
	read         func(context.Context, *authConfig, string, props) (props, error)
	update       func(context.Context, *authConfig, string, props, props) (props, error)
	delete       func(context.Context, *authConfig, string, props) error
}

func set(keys ...string) map[string]bool {
	out := map[string]bool{}
	for _, k := range keys {
		out[k] = true
	}
	return out
}

var kinds = map[string]*kind{}

func register(k *kind) { kinds[k.token] = k }

func kindOf(urn string) (*kind, error) {
	tok := tokenName(urn)
	if k, ok := kinds[tok]; ok {
		return k, nil
	}
	return nil, fmt.Errorf("the azuread stand-in does not implement the resource type %s", tok)
}

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

func bareID(id, prefix string) string { return strings.TrimPrefix(id, prefix) }

// appObjectID accepts `/applications/{id}` (the v3 id) or a bare object id.
func appObjectID(v string) string { return bareID(v, "/applications/") }

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

// ---- azuread.Application ------------------------------------------------------

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

func orEmpty(v any) any {
	if v == nil {
		return []any{}
	}
	return v
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

// ---- azuread.ApplicationCertificate ---------------------------------------------

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

// ---- azuread.ServicePrincipal -----------------------------------------------------

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

// ---- azuread.AppRoleAssignment ----------------------------------------------------

func parseAppRoleAssignmentID(id string) (string, string, error) {
	trimmed := strings.TrimPrefix(id, "/servicePrincipals/")
	parts := strings.Split(trimmed, "/appRoleAssignedTo/")
	if len(parts) != 2 {
		// The v2 form {resource}/appRoleAssignment/{id}.
		parts = strings.Split(trimmed, "/appRoleAssignment/")
	}
	if len(parts) != 2 {
		return "", "", fmt.Errorf("parsing the app role assignment id %q: want /servicePrincipals/{resource}/appRoleAssignedTo/{id}", id)
	}
	return parts[0], parts[1], nil
}

func appRoleAssignmentProps(m map[string]any) props {
	return props{
		"appRoleId":            m["appRoleId"],
		"principalObjectId":    m["principalId"],
		"resourceObjectId":     m["resourceId"],
		"principalDisplayName": m["principalDisplayName"],
		"principalType":        m["principalType"],
		"resourceDisplayName":  m["resourceDisplayName"],
	}
}

func createAppRoleAssignment(ctx context.Context, a *authConfig, in props) (string, props, error) {
	resource := str(in, "resourceObjectId")
	body := map[string]any{
		"principalId": str(in, "principalObjectId"),
		"resourceId":  resource,
		"appRoleId":   str(in, "appRoleId"),
	}
	var created map[string]any
	if err := a.call(ctx, "POST", fmt.Sprintf("v1.0/servicePrincipals/%s/appRoleAssignedTo", resource), body, &created); err != nil {
		return "", nil, fmt.Errorf("could not create app role assignment: %w", err)
	}
	assignment, _ := created["id"].(string)
	id := fmt.Sprintf("/servicePrincipals/%s/appRoleAssignedTo/%s", resource, assignment)
	out, err := readAppRoleAssignment(ctx, a, id, in)
	if err == nil && out == nil {
		err = fmt.Errorf("app role assignment %q not found right after its creation", id)
	}
	return id, out, err
}

func readAppRoleAssignment(ctx context.Context, a *authConfig, id string, state props) (props, error) {
	resource, assignment, err := parseAppRoleAssignmentID(id)
	if err != nil {
		return nil, err
	}
	var m map[string]any
	if err := a.call(ctx, "GET", fmt.Sprintf("v1.0/servicePrincipals/%s/appRoleAssignedTo/%s", resource, assignment), nil, &m); err != nil {
		return nil, err
	}
	out := copyProps(state)
	for k, v := range appRoleAssignmentProps(m) {
		out[k] = v
	}
	return out, nil
}

func deleteAppRoleAssignment(ctx context.Context, a *authConfig, id string, _ props) error {
	resource, assignment, err := parseAppRoleAssignmentID(id)
	if err != nil {
		return err
	}
	return a.call(ctx, "DELETE", fmt.Sprintf("v1.0/servicePrincipals/%s/appRoleAssignedTo/%s", resource, assignment), nil, nil)
}

// ---- azuread.DirectoryRoleAssignment -----------------------------------------------

func createDirectoryRoleAssignment(ctx context.Context, a *authConfig, in props) (string, props, error) {
	body := map[string]any{
		"principalId":      str(in, "principalObjectId"),
		"roleDefinitionId": str(in, "roleId"),
	}
	if s := str(in, "appScopeId"); s != "" {
		body["appScopeId"] = s
	} else if s := str(in, "directoryScopeId"); s != "" {
		body["directoryScopeId"] = s
	} else {
		body["directoryScopeId"] = "/"
	}
	var created map[string]any
	if err := a.call(ctx, "POST", "v1.0/roleManagement/directory/roleAssignments", body, &created); err != nil {
		return "", nil, fmt.Errorf("could not create directory role assignment: %w", err)
	}
	id, _ := created["id"].(string)
	path := "v1.0/roleManagement/directory/roleAssignments/" + id
	if err := waitFor(ctx, time.Second, 1, func() (bool, error) {
		err := a.call(ctx, "GET", path, nil, nil)
		if isNotFound(err) {
			return false, nil
		}
		return err == nil, err
	}); err != nil {
		return "", nil, err
	}
	out, err := readDirectoryRoleAssignment(ctx, a, id, in)
	// terraform-provider-azuread v3 names the resource by its Graph path (its importer
	// and state upgrader check that form), not by the bare Graph id.
	return roleAssignmentPrefix + id, out, err
}

const roleAssignmentPrefix = "/roleManagement/directory/roleAssignments/"

// roleAssignmentGraphID takes the provider's id form, or a bare Graph id from state
// written before the stand-in used that form.
func roleAssignmentGraphID(id string) string {
	return strings.TrimPrefix(id, roleAssignmentPrefix)
}

func readDirectoryRoleAssignment(ctx context.Context, a *authConfig, id string, state props) (props, error) {
	var m map[string]any
	id = roleAssignmentGraphID(id)
	if err := a.call(ctx, "GET", "v1.0/roleManagement/directory/roleAssignments/"+id, nil, &m); err != nil {
		return nil, err
	}
	out := copyProps(state)
	out["roleId"] = m["roleDefinitionId"]
	out["principalObjectId"] = m["principalId"]
	if v, _ := m["directoryScopeId"].(string); v != "" {
		out["directoryScopeId"] = v
	}
	if v, _ := m["appScopeId"].(string); v != "" {
		out["appScopeId"] = v
	}
	return out, nil
}

func deleteDirectoryRoleAssignment(ctx context.Context, a *authConfig, id string, _ props) error {
	return a.call(ctx, "DELETE", "v1.0/roleManagement/directory/roleAssignments/"+roleAssignmentGraphID(id), nil, nil)
}

// ---- azuread.ApplicationFederatedIdentityCredential ---------------------------------

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

func init() {
	register(&kind{
		token:    "azuread:index/application:Application",
		required: []string{"displayName"},
		defaults: props{"signInAudience": "AzureADMyOrg"},
		forceNew: set(),
		computed: set("objectId", "clientId", "publisherDomain", "disabledByMicrosoft", "appRoleIds",
			"oauth2PermissionScopeIds", "owners", "identifierUris", "tags"),
		importInputs: []string{"displayName", "signInAudience", "notes", "description", "owners",
			"requiredResourceAccesses", "identifierUris", "tags"},
		create: createApplication, read: readApplication, update: updateApplication, delete: deleteApplication,
	})
	register(&kind{
		token:        "azuread:index/applicationCertificate:ApplicationCertificate",
		required:     []string{"applicationId", "value"},
		defaults:     props{"encoding": "pem"},
		forceNew:     set("applicationId", "encoding", "endDate", "endDateRelative", "keyId", "startDate", "type", "value"),
		computed:     set("keyId", "startDate", "endDate"),
		importInputs: []string{"applicationId", "type", "encoding", "startDate", "endDate", "keyId"},
		create:       createCertificate, read: readCertificate, delete: deleteCertificate,
	})
	register(&kind{
		token:    "azuread:index/servicePrincipal:ServicePrincipal",
		required: []string{"clientId"},
		forceNew: set("clientId"),
		computed: set("objectId", "displayName", "type", "accountEnabled", "appRoleIds", "appRoles",
			"oauth2PermissionScopeIds", "oauth2PermissionScopes", "applicationTenantId", "servicePrincipalNames",
			"signInAudience", "owners", "tags", "alternativeNames", "notificationEmailAddresses",
			"appRoleAssignmentRequired", "samlMetadataUrl"),
		ignoreInDiff: set("useExisting"),
		importInputs: []string{"clientId", "notes", "owners", "tags"},
		create:       createServicePrincipal, read: readServicePrincipal, update: updateServicePrincipal,
		delete: deleteServicePrincipal,
	})
	register(&kind{
		token:        "azuread:index/appRoleAssignment:AppRoleAssignment",
		required:     []string{"appRoleId", "principalObjectId", "resourceObjectId"},
		forceNew:     set("appRoleId", "principalObjectId", "resourceObjectId"),
		computed:     set("principalDisplayName", "principalType", "resourceDisplayName"),
		importInputs: []string{"appRoleId", "principalObjectId", "resourceObjectId"},
		create:       createAppRoleAssignment, read: readAppRoleAssignment, delete: deleteAppRoleAssignment,
	})
	register(&kind{
		token:        "azuread:index/directoryRoleAssignment:DirectoryRoleAssignment",
		required:     []string{"roleId", "principalObjectId"},
		forceNew:     set("roleId", "principalObjectId", "directoryScopeId", "appScopeId"),
		computed:     set("directoryScopeId", "appScopeId"),
		importInputs: []string{"roleId", "principalObjectId", "directoryScopeId"},
		create:       createDirectoryRoleAssignment, read: readDirectoryRoleAssignment,
		delete: deleteDirectoryRoleAssignment,
	})
	register(&kind{
		token:        "azuread:index/applicationFederatedIdentityCredential:ApplicationFederatedIdentityCredential",
		required:     []string{"applicationId", "displayName", "issuer", "subject", "audiences"},
		forceNew:     set("applicationId", "displayName"),
		computed:     set("credentialId"),
		importInputs: []string{"applicationId", "displayName", "description", "issuer", "subject", "audiences"},
		create:       createFederated, read: readFederated, update: updateFederated, delete: deleteFederated,
	})
}
