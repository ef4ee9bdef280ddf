// Package shim exposes the upstream Terraform TLS provider to the bridge.
package shim

import (
	"github.com/hashicorp/terraform-plugin-framework/provider"
	upstream "github.com/hashicorp/terraform-provider-tls/internal/provider"
)

// NewProvider returns the upstream (Plugin Framework) provider.
func NewProvider() provider.Provider { return upstream.New() }
