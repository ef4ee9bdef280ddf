package main

// azuread.AppRoleAssignment and azuread.DirectoryRoleAssignment: role grants,
// an app role on a resource service principal and a directory role.

import (
	"context"
	"fmt"
	"strings"
	"time"
)

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
