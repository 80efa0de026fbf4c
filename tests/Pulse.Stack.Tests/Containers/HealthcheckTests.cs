using System.Text.Json;
using Pulse.Testing;

namespace Pulse.Stack.Tests.Containers;

/// <summary>The image's own HEALTHCHECK (the service's <c>healthcheck</c> verb), run by Docker and by hand.</summary>
[Collection(ContainerChecks.Name)]
[Trait("Category", ContainerEngine.Category)]
public sealed class HealthcheckTests
{
    /// <summary>The HEALTHCHECK command the image declares, without its CMD marker.</summary>
    private static async Task<string[]> ImageHealthcheckAsync()
    {
        var test = JsonSerializer.Deserialize<string[]>(
            await ContainerEngine.CheckedAsync(["image", "inspect", "--format", "{{json .Config.Healthcheck.Test}}", ContainerEngine.Image]))!;
        Assert.Equal("CMD", test[0]);
        return test[1..];
    }

    [ContainerTheory]
    [InlineData(null, 8080)]
    [InlineData("ASPNETCORE_HTTP_PORTS=18099", 18099)]
    [InlineData("ASPNETCORE_URLS=http://+:18100", 18100)]
    public async Task TheImagesHealthcheckFindsTheServiceOnItsPortAndDockerReportsItHealthy(string? addressVariable, int port)
    {
        var healthcheck = await ImageHealthcheckAsync();
        // Only the interval is shortened, so the check that runs is the image's own command.
        string[] options = [.. ServiceContainer.Hardened, .. addressVariable is null ? [] : new[] { "-e", addressVariable }, "--health-interval", "1s"];
        await using var container = await ServiceContainer.StartAsync(options, port);

        await container.WaitForHealthAsync("healthy", TimeSpan.FromSeconds(90));

        var passing = await container.ExecAsync(healthcheck);
        Assert.True(passing.ExitCode == 0, passing.ToString());
        Assert.Contains($"healthy: http://127.0.0.1:{port}/health/live answered 200", passing.StandardOutput, StringComparison.Ordinal);

        // The same command with the address setting pointing where nothing listens is unhealthy.
        var failing = await container.ExecAsync(["-e", "ASPNETCORE_URLS=http://127.0.0.1:1"], healthcheck);
        Assert.True(failing.ExitCode == 1, failing.ToString());
        Assert.Contains("unhealthy: http://127.0.0.1:1/health/live could not be reached", failing.StandardError, StringComparison.Ordinal);
    }

    [ContainerFact]
    public async Task TheImagesHealthcheckFailsWhenTheServiceIsNotRunning()
    {
        var healthcheck = await ImageHealthcheckAsync();
        var name = ContainerEngine.UniqueName("check");

        // The verb alone, in a container of the image where the service never started.
        ProcessResult result;
        try
        {
            result = await ContainerEngine.DockerAsync(
                ["run", "--rm", "--name", name, .. ServiceContainer.Hardened, "--entrypoint", healthcheck[0], ContainerEngine.Image, .. healthcheck[1..]],
                TimeSpan.FromSeconds(60));
        }
        finally
        {
            await ContainerEngine.DockerAsync(["rm", "-f", name]);
        }

        Assert.True(result.ExitCode == 1, result.ToString());
        Assert.Contains("unhealthy: http://127.0.0.1:8080/health/live could not be reached", result.StandardError, StringComparison.Ordinal);
    }
}
