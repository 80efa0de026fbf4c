using System.Text.Json;
using Pulse.Infra.Tests.Support;

namespace Pulse.Infra.Tests;

/// <summary>How the app is run: by the CDK CLI through cdk.json, or directly with dotnet run.</summary>
public sealed class CdkAppTests
{
    [Fact]
    public void CdkJsonRunsTheInfraProject()
    {
        using var cdkJson = JsonDocument.Parse(File.ReadAllText(Repository.Path("infra", "cdk.json")));
        var command = cdkJson.RootElement.GetProperty("app").GetString()!;

        Assert.Equal("dotnet run --project Pulse.Infra", command);
        Assert.True(File.Exists(Repository.Path("infra", "Pulse.Infra", "Pulse.Infra.csproj")));
    }

    [Fact]
    public void InvalidSettingsFromTheCliStopTheAppWithAMessageNamingTheSetting()
    {
        var entryPoint = typeof(PulseApp).Assembly.EntryPoint!;
        var previousContext = Environment.GetEnvironmentVariable("CDK_CONTEXT_JSON");
        var previousError = Console.Error;
        using var error = new StringWriter();
        try
        {
            // What `cdk synth -c prod.https=true` hands the app: the settings fail before any construct exists.
            Environment.SetEnvironmentVariable("CDK_CONTEXT_JSON", """{"prod.https":"true","dev.spotPercent":"120"}""");
            Console.SetError(error);

            var exitCode = entryPoint.Invoke(null, [Array.Empty<string>()]);

            Assert.Equal(1, exitCode);
        }
        finally
        {
            Console.SetError(previousError);
            Environment.SetEnvironmentVariable("CDK_CONTEXT_JSON", previousContext);
        }

        Assert.Contains("prod.https is true but prod.certificateArn is not set", error.ToString(), StringComparison.Ordinal);
        Assert.Contains("dev.spotPercent must be between 0 and 100", error.ToString(), StringComparison.Ordinal);
    }
}

/// <summary>The entry point with stacks that cannot deploy: run directly it fails, under the CDK CLI it leaves the refusal to the CLI.</summary>
[Collection(SynthesizedAppGroup.Name)]
public sealed class EntryPointTests
{
    private static (object? ExitCode, string Error) Run(string contextJson, string? cliVersion)
    {
        var entryPoint = typeof(PulseApp).Assembly.EntryPoint!;
        var variables = new Dictionary<string, string?>
        {
            ["CDK_CONTEXT_JSON"] = contextJson,
            ["CDK_CLI_VERSION"] = cliVersion,
            ["CDK_OUTDIR"] = Path.Combine(Path.GetTempPath(), "pulse-entrypoint-" + Guid.NewGuid().ToString("N")),
        };
        var previous = variables.Keys.ToDictionary(k => k, Environment.GetEnvironmentVariable);
        var previousError = Console.Error;
        using var error = new StringWriter();
        try
        {
            foreach (var (name, value) in variables)
            {
                Environment.SetEnvironmentVariable(name, value);
            }

            Console.SetError(error);
            return (entryPoint.Invoke(null, [Array.Empty<string>()]), error.ToString());
        }
        finally
        {
            Console.SetError(previousError);
            foreach (var (name, value) in previous)
            {
                Environment.SetEnvironmentVariable(name, value);
            }

            try
            {
                Directory.Delete(variables["CDK_OUTDIR"]!, recursive: true);
            }
            catch (IOException)
            {
                // A temp directory left behind is harmless.
            }
        }
    }

    [Pulse.Testing.RequiresToolsFact("node")]
    public void RunDirectlyWithoutAnImageTagTheAppFailsNamingTheSetting()
    {
        var (exitCode, error) = Run("""{"environments":"dev"}""", cliVersion: null);

        Assert.Equal(1, exitCode);
        Assert.Contains("Error: Pulse-dev-Service: dev.imageTag is not set", error, StringComparison.Ordinal);
    }

    [Pulse.Testing.RequiresToolsFact("node")]
    public void UnderTheCdkCliTheAssemblyIsHandedOverSoListAndDestroyStillWork()
    {
        var (exitCode, error) = Run("""{"environments":"dev"}""", cliVersion: "2.1148.1");

        Assert.Equal(0, exitCode);
        Assert.DoesNotContain("Error:", error, StringComparison.Ordinal);
    }
}
