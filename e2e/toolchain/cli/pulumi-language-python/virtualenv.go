package main

// The program's python environment: the toolchain its runtime options name,
// and what the engine asks about it (the packages a program needs, the
// virtualenv check at install, About and the dependency listing).

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"strings"

	"github.com/pulumi/pulumi/sdk/v3/go/common/apitype"
	pulumirpc "github.com/pulumi/pulumi/sdk/v3/proto/go"
	"github.com/pulumi/pulumi/sdk/v3/python/toolchain"
)

// options reads the runtime options of Pulumi.yaml / PulumiPolicy.yaml the way
// the real host does; a plugin (a policy pack) defaults to the "venv" virtualenv.
func options(info *pulumirpc.ProgramInfo, isPlugin bool) (toolchain.PythonOptions, error) {
	if info == nil {
		return toolchain.PythonOptions{}, errors.New("the engine sent no program info")
	}
	opts := toolchain.PythonOptions{Root: info.RootDirectory, ProgramDir: info.ProgramDirectory}
	raw := info.GetOptions().AsMap()
	if v, ok := raw["virtualenv"]; ok {
		s, ok := v.(string)
		if !ok {
			return opts, errors.New("virtualenv option must be a string")
		}
		opts.Virtualenv = s
	}
	if v, ok := raw["toolchain"]; ok {
		switch v {
		case "pip":
			opts.Toolchain = toolchain.Pip
		case "poetry":
			opts.Toolchain = toolchain.Poetry
		case "uv":
			opts.Toolchain = toolchain.Uv
		default:
			return opts, fmt.Errorf("unsupported toolchain option: %v", v)
		}
	}
	if v, ok := raw["typechecker"]; ok && v != "" {
		return opts, fmt.Errorf("the e2e language host does not run type checkers (typechecker: %v)", v)
	}
	if isPlugin && (opts.Toolchain == toolchain.Pip || opts.Toolchain == toolchain.Auto) && opts.Virtualenv == "" {
		opts.Virtualenv = "venv"
	}
	return opts, nil
}

func resolve(info *pulumirpc.ProgramInfo, isPlugin bool) (toolchain.Toolchain, error) {
	opts, err := options(info, isPlugin)
	if err != nil {
		return nil, err
	}
	tc, err := toolchain.ResolveToolchain(opts)
	if err != nil {
		return nil, err
	}
	if err := tc.ValidateVenv(context.Background()); err != nil {
		return nil, err
	}
	return tc, nil
}

// pluginJSONScript prints {distribution name: {"version", "plugin"}} for every
// installed distribution that ships a pulumi-plugin.json, as the real host
// reads them to tell the engine which provider plugins a program needs.
const pluginJSONScript = `
import importlib.metadata as md, json, sys
out = {}
for dist in md.distributions():
    for f in dist.files or []:
        if f.name == "pulumi-plugin.json":
            try:
                data = json.loads(f.read_text())
            except Exception:
                continue
            out[dist.metadata["Name"]] = {"version": dist.version, "plugin": data}
            break
json.dump(out, sys.stdout)
`

func (h *host) GetRequiredPackages(
	ctx context.Context, req *pulumirpc.GetRequiredPackagesRequest,
) (*pulumirpc.GetRequiredPackagesResponse, error) {
	tc, err := resolve(req.GetInfo(), false)
	if err != nil {
		return nil, err
	}
	cmd, err := tc.Command(ctx, "-c", pluginJSONScript)
	if err != nil {
		return nil, err
	}
	out, err := cmd.Output()
	if err != nil {
		return nil, fmt.Errorf("listing the pulumi packages of the virtualenv: %w", err)
	}
	var dists map[string]struct {
		Version string `json:"version"`
		Plugin  struct {
			Resource bool   `json:"resource"`
			Name     string `json:"name"`
			Version  string `json:"version"`
			Server   string `json:"server"`
		} `json:"plugin"`
	}
	if err := json.Unmarshal(out, &dists); err != nil {
		return nil, fmt.Errorf("reading the pulumi packages of the virtualenv: %w", err)
	}
	var pkgs []*pulumirpc.PackageDependency
	for dist, d := range dists {
		if !d.Plugin.Resource {
			continue
		}
		name := d.Plugin.Name
		if name == "" {
			name = strings.TrimPrefix(strings.ToLower(dist), "pulumi-")
		}
		ver := d.Plugin.Version
		if ver == "" {
			ver = d.Version
		}
		if !strings.HasPrefix(ver, "v") {
			ver = "v" + ver
		}
		pkgs = append(pkgs, &pulumirpc.PackageDependency{
			Name: name, Kind: string(apitype.ResourcePlugin), Version: ver, Server: d.Plugin.Server,
		})
	}
	return &pulumirpc.GetRequiredPackagesResponse{Packages: pkgs}, nil
}

func (h *host) InstallDependencies(
	req *pulumirpc.InstallDependenciesRequest, server pulumirpc.LanguageRuntime_InstallDependenciesServer,
) error {
	// The e2e tier makes its virtualenvs beforehand (nothing may be downloaded),
	// so this only checks the one the options name.
	if _, err := resolve(req.GetInfo(), false); err != nil {
		return err
	}
	return server.Send(&pulumirpc.InstallDependenciesResponse{
		Stdout: []byte("e2e language host: the virtualenv is prepared beforehand; nothing installed\n"),
	})
}

func (h *host) About(ctx context.Context, req *pulumirpc.AboutRequest) (*pulumirpc.AboutResponse, error) {
	tc, err := resolve(req.GetInfo(), false)
	if err != nil {
		return nil, err
	}
	info, err := tc.About(ctx)
	if err != nil {
		return nil, err
	}
	return &pulumirpc.AboutResponse{Executable: info.PythonExecutable, Version: info.PythonVersion.String()}, nil
}

func (h *host) GetProgramDependencies(
	ctx context.Context, req *pulumirpc.GetProgramDependenciesRequest,
) (*pulumirpc.GetProgramDependenciesResponse, error) {
	tc, err := resolve(req.GetInfo(), false)
	if err != nil {
		return nil, err
	}
	deps, err := tc.ListPackages(ctx, req.GetTransitiveDependencies())
	if err != nil {
		return nil, err
	}
	out := make([]*pulumirpc.DependencyInfo, 0, len(deps))
	for _, d := range deps {
		out = append(out, &pulumirpc.DependencyInfo{Name: d.Name, Version: d.Version})
	}
	return &pulumirpc.GetProgramDependenciesResponse{Dependencies: out}, nil
}
