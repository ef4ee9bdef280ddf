package main

// The resources exo-cba declares, each with the Graph calls the real provider
// (terraform-provider-azuread v3 under pulumi-azuread 6.x) makes for it, in
// the same order (shared/reference/real-engine.md). One file per resource
// (application.go, certificate.go, service_principal.go, assignments.go,
// federated.go); this one holds the registry they are declared into.

import (
	"context"
	"fmt"
	"strings"
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

func bareID(id, prefix string) string { return strings.TrimPrefix(id, prefix) }

// appObjectID accepts `/applications/{id}` (the v3 id) or a bare object id.
func appObjectID(v string) string { return bareID(v, "/applications/") }

func orEmpty(v any) any {
	if v == nil {
		return []any{}
	}
	return v
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
