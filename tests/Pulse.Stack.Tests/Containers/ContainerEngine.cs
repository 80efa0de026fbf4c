using System.Security.Cryptography;
using Pulse.Testing;

namespace Pulse.Stack.Tests.Containers;

/// <summary>
/// The container engine the container checks drive through the docker CLI, and the service image they test.
/// <c>scripts/container-test.sh up</c> starts the engine, builds the image from the repository's Dockerfile and
/// prints <c>PULSE_TEST_IMAGE</c>; <c>.ci/run</c> does that before <c>dotnet test</c>. Without the variable the
/// checks are skipped, except with <c>CI=true</c>, where they fail.
/// </summary>
internal static class ContainerEngine
{
    public const string ImageVariable = "PULSE_TEST_IMAGE";

    /// <summary>Test trait of every container check: <c>dotnet test --filter Category=Container</c>.</summary>
    public const string Category = "Container";

    private static readonly TimeSpan DefaultTimeout = TimeSpan.FromMinutes(2);

    /// <summary>The service image under test.</summary>
    public static string Image =>
        Environment.GetEnvironmentVariable(ImageVariable) is { Length: > 0 } image
            ? image
            : throw new InvalidOperationException(
                $"{ImageVariable} is not set: run `eval \"$(scripts/container-test.sh up)\"` first (.ci/run does); docs/local-stack.md.");

    /// <summary>Why the container checks are skipped, or null when they must run.</summary>
    public static string? SkipReason =>
        ExternalTools.InCi || !string.IsNullOrEmpty(Environment.GetEnvironmentVariable(ImageVariable))
            ? null
            : $"Needs a container engine and the service image: eval \"$(scripts/container-test.sh up)\" sets {ImageVariable} (docs/local-stack.md); runs in CI.";

    /// <summary>A name no other run on this machine uses, for containers, networks and compose projects.</summary>
    public static string UniqueName(string purpose) => $"pulse-test-{purpose}-{Convert.ToHexStringLower(RandomNumberGenerator.GetBytes(4))}";

    /// <summary>A password for one test's database.</summary>
    public static string NewPassword() => Convert.ToHexStringLower(RandomNumberGenerator.GetBytes(12));

    public static Task<ProcessResult> DockerAsync(IEnumerable<string> arguments, TimeSpan? timeout = null) =>
        ProcessRunner.RunAsync(Docker, arguments, timeout: timeout ?? DefaultTimeout, workingDirectory: Repository.Root);

    /// <summary>Runs a docker command that must succeed and returns its standard output, trimmed.</summary>
    public static async Task<string> CheckedAsync(IEnumerable<string> arguments, TimeSpan? timeout = null)
    {
        var list = arguments.ToList();
        var result = await DockerAsync(list, timeout);
        if (result.ExitCode != 0)
        {
            throw new InvalidOperationException($"docker {string.Join(' ', list)} failed: {result}");
        }

        return result.StandardOutput.Trim();
    }

    public static Task<ProcessResult> ComposeAsync(IEnumerable<string> arguments, TimeSpan? timeout = null) =>
        ProcessRunner.RunAsync(Compose, arguments, timeout: timeout ?? DefaultTimeout, workingDirectory: Repository.Root);

    private static string Docker => Tool("docker", "docker.io");

    private static string Compose => Tool("docker-compose", "docker-compose");

    private static string Tool(string name, string package) =>
        ExternalTools.Find(name) ?? throw new InvalidOperationException($"'{name}' is not on PATH: apt-get install -y {package}, or run scripts/container-test.sh up.");
}

/// <summary>A container check: skipped locally without <see cref="ContainerEngine.ImageVariable"/>, never skipped in CI.</summary>
[AttributeUsage(AttributeTargets.Method)]
public sealed class ContainerFactAttribute : FactAttribute
{
    public ContainerFactAttribute() => Skip = ContainerEngine.SkipReason;
}

/// <summary>A container check with cases: skipped locally without <see cref="ContainerEngine.ImageVariable"/>, never skipped in CI.</summary>
[AttributeUsage(AttributeTargets.Method)]
public sealed class ContainerTheoryAttribute : TheoryAttribute
{
    public ContainerTheoryAttribute() => Skip = ContainerEngine.SkipReason;
}

/// <summary>
/// The container checks run one after another: each starts containers of its own, and two cores cannot start
/// several services at once without turning start-up waits into timeouts.
/// </summary>
[CollectionDefinition(Name)]
public sealed class ContainerChecks
{
    public const string Name = "Container engine";
}
