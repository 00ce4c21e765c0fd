package main

import (
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"sort"
	"strings"
)

type packageJSON struct {
	Name            string            `json:"name"`
	Version         string            `json:"version"`
	Dependencies    map[string]string `json:"dependencies"`
	DevDependencies map[string]string `json:"devDependencies"`
	Pulumi          *struct {
		Resource bool   `json:"resource"`
		Name     string `json:"name"`
		Version  string `json:"version"`
		Server   string `json:"server"`
	} `json:"pulumi"`
}

type pluginRef struct {
	Name, Version, Server string
}

func readPackageJSON(path string) (*packageJSON, error) {
	data, err := os.ReadFile(path)
	if err != nil {
		return nil, err
	}
	var pkg packageJSON
	if err := json.Unmarshal(data, &pkg); err != nil {
		return nil, fmt.Errorf("%s: %w", path, err)
	}
	return &pkg, nil
}

// findPackageJSON walks up from dir to the nearest package.json.
func findPackageJSON(dir string) (string, *packageJSON, error) {
	for d := dir; ; d = filepath.Dir(d) {
		pkg, err := readPackageJSON(filepath.Join(d, "package.json"))
		if err == nil {
			return d, pkg, nil
		}
		if !errors.Is(err, os.ErrNotExist) {
			return "", nil, err
		}
		if filepath.Dir(d) == d {
			return "", nil, fmt.Errorf("no package.json at or above %s", dir)
		}
	}
}

// resolvePackage finds name the way Node does: node_modules of from and its parents.
func resolvePackage(from, name string) (string, bool) {
	for d := from; ; d = filepath.Dir(d) {
		candidate := filepath.Join(d, "node_modules", name)
		if _, err := os.Stat(filepath.Join(candidate, "package.json")); err == nil {
			if real, err := filepath.EvalSymlinks(candidate); err == nil {
				return real, true
			}
			return candidate, true
		}
		if filepath.Dir(d) == d {
			return "", false
		}
	}
}

// requiredPlugins walks the program's dependency tree and collects packages
// whose package.json declares `"pulumi": {"resource": true}`.
func requiredPlugins(programDir string) ([]pluginRef, error) {
	if programDir == "" {
		return nil, nil
	}
	root, manifest, err := findPackageJSON(programDir)
	if err != nil {
		return nil, err
	}
	seen := map[string]bool{}
	found := map[string]pluginRef{}
	type pending struct{ from, name string }
	queue := []pending{}
	for _, name := range sortedKeys(manifest.Dependencies, manifest.DevDependencies) {
		queue = append(queue, pending{root, name})
	}
	for len(queue) > 0 {
		next := queue[0]
		queue = queue[1:]
		dir, ok := resolvePackage(next.from, next.name)
		if !ok || seen[dir] {
			continue
		}
		seen[dir] = true
		pkg, err := readPackageJSON(filepath.Join(dir, "package.json"))
		if err != nil {
			return nil, err
		}
		if pkg.Pulumi != nil && pkg.Pulumi.Resource && pkg.Name != "@pulumi/pulumi" {
			ref := pluginRef{Name: pkg.Pulumi.Name, Version: pkg.Pulumi.Version, Server: pkg.Pulumi.Server}
			if ref.Name == "" {
				ref.Name = strings.TrimPrefix(pkg.Name, "@pulumi/")
			}
			if ref.Version == "" {
				ref.Version = pkg.Version
			}
			ref.Version = strings.TrimPrefix(ref.Version, "v")
			found[ref.Name+"@"+ref.Version] = ref
		}
		for _, dep := range sortedKeys(pkg.Dependencies) {
			queue = append(queue, pending{dir, dep})
		}
	}
	refs := make([]pluginRef, 0, len(found))
	for _, key := range sortedKeys(mapKeys(found)) {
		refs = append(refs, found[key])
	}
	return refs, nil
}

// resolveRunScript locates @pulumi/pulumi's cmd/run from the program directory.
func resolveRunScript(programDir string) (string, error) {
	if override := os.Getenv("PULUMI_LANGUAGE_NODEJS_RUN_PATH"); override != "" {
		return override, nil
	}
	dir, ok := resolvePackage(programDir, "@pulumi/pulumi")
	if !ok {
		return "", fmt.Errorf("@pulumi/pulumi is not installed for the program in %s; run npm install", programDir)
	}
	return filepath.Join(dir, "cmd", "run"), nil
}

func mapKeys[V any](m map[string]V) map[string]string {
	out := make(map[string]string, len(m))
	for k := range m {
		out[k] = ""
	}
	return out
}

func sortedKeys(maps ...map[string]string) []string {
	set := map[string]bool{}
	for _, m := range maps {
		for k := range m {
			set[k] = true
		}
	}
	keys := make([]string, 0, len(set))
	for k := range set {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	return keys
}
