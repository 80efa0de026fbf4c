using System.Runtime.Versioning;
using Pulse.Testing;

namespace Pulse.Stack.Tests.Containers;

/// <summary>The shell the container checks depend on: the engine script and the postgres stand-in's entrypoint.</summary>
public sealed class ContainerScriptTests
{
    [RequiresToolsTheory("shellcheck")]
    [InlineData("scripts/container-test.sh")]
    [InlineData("deploy/test-images/postgres/docker-entrypoint.sh")]
    public async Task TheScriptIsShellcheckClean(string script)
    {
        var result = await ProcessRunner.RunAsync(ExternalTools.Require("shellcheck"), [script], timeout: TimeSpan.FromSeconds(60), workingDirectory: Repository.Root);

        Assert.True(result.ExitCode == 0, result.ToString());
    }

    [Theory]
    [InlineData("scripts/container-test.sh")]
    [InlineData("deploy/test-images/postgres/docker-entrypoint.sh")]
    [UnsupportedOSPlatform("windows")]
    public void TheScriptIsExecutable(string script)
    {
        var mode = File.GetUnixFileMode(Repository.PathOf(script));

        Assert.True(mode.HasFlag(UnixFileMode.UserExecute), $"{script} is not executable ({mode}); the image and .ci/run run it directly.");
    }
}
