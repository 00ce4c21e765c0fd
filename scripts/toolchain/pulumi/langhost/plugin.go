package main

import (
	"errors"
	"fmt"
	"os/exec"
	"path/filepath"

	"github.com/pulumi/pulumi/sdk/v3/go/common/util/rpcutil"
	pulumirpc "github.com/pulumi/pulumi/sdk/v3/proto/go"
	"google.golang.org/grpc"
	"google.golang.org/grpc/codes"
	"google.golang.org/grpc/status"
)

// RunPlugin runs a plugin written for Node.js: a policy pack (kind "analyzer",
// what `pulumi preview --policy-pack <dir>` starts since the CLI dropped
// pulumi-analyzer-policy) or a resource plugin with a PulumiPlugin.yaml. Like
// Run, it goes through @pulumi/pulumi's own entry points (cmd/run-policy-pack,
// cmd/run-plugin), resolved from the plugin's folder. The plugin's output is
// streamed back to the engine, which reads the gRPC port from its first line.
func (h *languageHost) RunPlugin(
	req *pulumirpc.RunPluginRequest, stream grpc.ServerStreamingServer[pulumirpc.RunPluginResponse],
) error {
	info := req.GetInfo()
	dir := programDirectory(info)
	if dir == "" {
		dir = req.GetProgram()
	}
	if dir == "" {
		return status.Error(codes.InvalidArgument, "RunPlugin needs the plugin's folder (info.program_directory)")
	}
	entry := "run-plugin"
	if req.GetKind() == "analyzer" {
		entry = "run-policy-pack"
	}
	pkg, ok := resolvePackage(dir, "@pulumi/pulumi")
	if !ok {
		return status.Errorf(codes.FailedPrecondition,
			"@pulumi/pulumi is not installed for the plugin in %s; run npm install", dir)
	}
	node, err := exec.LookPath("node")
	if err != nil {
		return status.Errorf(codes.FailedPrecondition, "could not find node on PATH: %v", err)
	}

	// run-policy-pack and run-plugin take <engine address> <program>; the engine
	// passes its address in args.
	args := append(nodeArgs(info.GetOptions()), filepath.Join(pkg, "cmd", entry))
	args = append(args, req.GetArgs()...)
	args = append(args, dir)

	closer, stdout, stderr, err := rpcutil.MakeRunPluginStreams(stream, false)
	if err != nil {
		return err
	}
	defer closer.Close()

	cmd := exec.CommandContext(stream.Context(), node, args...) // #nosec G204: arguments come from the engine.
	// A policy pack runs in its own folder: the entry point looks for a tsconfig.json in
	// the working directory, and the program's (a stack's) is not the pack's.
	cmd.Dir = dir
	if req.GetKind() != "analyzer" && req.GetPwd() != "" {
		cmd.Dir = req.GetPwd()
	}
	cmd.Env = req.GetEnv()
	cmd.Stdout = stdout
	cmd.Stderr = stderr
	if err := cmd.Start(); err != nil {
		return status.Errorf(codes.Internal, "could not start node: %v", err)
	}
	h.track(cmd, true)
	err = cmd.Wait()
	h.track(cmd, false)

	code := 0
	var exitErr *exec.ExitError
	switch {
	case err == nil:
	case errors.As(err, &exitErr):
		code = exitErr.ExitCode()
	default:
		return fmt.Errorf("plugin in %s: %w", dir, err)
	}
	return stream.Send(&pulumirpc.RunPluginResponse{Output: &pulumirpc.RunPluginResponse_Exitcode{Exitcode: int32(code)}})
}
