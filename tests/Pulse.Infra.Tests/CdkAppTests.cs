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
