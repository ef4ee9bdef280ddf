//go:build tools

// Package tools pins the CLI's main package so `go mod tidy` records every
// module it needs; build.sh builds it by import path.
package tools

import _ "github.com/pulumi/pulumi/pkg/v3/cmd/pulumi"
