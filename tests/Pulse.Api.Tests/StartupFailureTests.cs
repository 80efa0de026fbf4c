using Pulse.Telemetry;
using Pulse.Testing;

namespace Pulse.Api.Tests;

/// <summary>
/// A bad setting, given as a user gives it (command line or environment) to the built service in its own
/// process: start-up stops with one line on stderr that names the setting, exit code 78, no stack trace.
/// </summary>
public sealed class StartupFailureTests
{
    private const int ConfigurationExitCode = 78;

    [Theory]
    [InlineData("Database:Provider", "Oracle", "Database:Provider")]
    [InlineData("Database:CommandTimeout", "00:00:00", "Database:CommandTimeout")]
    [InlineData("Database:Postgres:Port", "70000", "Database:Postgres:Port")]
    [InlineData("Api:MaxRequestBodyBytes", "10", "Api:MaxRequestBodyBytes")]
    [InlineData("Telemetry:Http:DurationBuckets:0", "-1", "Telemetry:Http:DurationBuckets:0 must be a positive finite number")]
    [InlineData("Telemetry:Prometheus:Path", "metrics", "Telemetry:Prometheus:Path must start with '/'")]
    [InlineData("Telemetry:Prometheus:Port", "0", "Telemetry:Prometheus:Port must be between 1 and 65535")]
    [InlineData("Telemetry:Prometheus:Port", "nine", "Telemetry:Prometheus:Port")]
    [InlineData("Telemetry:Otlp:Endpoint", "ftp://collector", "Telemetry:Otlp:Endpoint must be an absolute http or https address")]
    [InlineData("Telemetry:Tracing:SamplingRatio", "1.5", "Telemetry:Tracing:SamplingRatio must be between 0 and 1")]
    [InlineData("Telemetry:Tracing:SamplingRatio", "-0.1", "Telemetry:Tracing:SamplingRatio must be between 0 and 1")]
    [InlineData("Telemetry:Tracing:SamplingRatio", "half", "Telemetry:Tracing:SamplingRatio")]
    [InlineData("Telemetry:Emf:FlushInterval", "00:00:07", "Telemetry:Emf:FlushInterval")]
    [InlineData("Telemetry:Emf:Mode", "Sometimes", "Telemetry:Emf:Mode")]
    public async Task ABadSettingOnTheCommandLineStopsStartUpWithOneLineNamingIt(string key, string value, string named)
    {
        var result = await StartAsync([$"--{key}={value}"]);

        AssertOneLineNaming(result, named);
    }

    [Theory]
    [InlineData("Telemetry__Prometheus__Port", "abc", "Telemetry:Prometheus:Port")]
    [InlineData("Database__Provider", "nope", "Database:Provider")]
    [InlineData("Telemetry__Tracing__SamplingRatio", "2", "Telemetry:Tracing:SamplingRatio must be between 0 and 1")]
    [InlineData("OTEL_EXPORTER_OTLP_ENDPOINT", "collector:4318", "OTEL_EXPORTER_OTLP_ENDPOINT must be an absolute http or https address")]
    [InlineData("OTEL_EXPORTER_OTLP_TRACES_ENDPOINT", "/v1/traces", "OTEL_EXPORTER_OTLP_TRACES_ENDPOINT must be an absolute http or https address")]
    [InlineData("OTEL_EXPORTER_OTLP_TRACES_PROTOCOL", "http/json", "OTEL_EXPORTER_OTLP_TRACES_PROTOCOL must be http/protobuf or grpc")]
    [InlineData(EmfMetrics.NamespaceVariable, "AWS/Lambda", EmfMetrics.NamespaceVariable)]
    [InlineData(EmfMetrics.ServiceNameVariable, " ", EmfMetrics.ServiceNameVariable)]
    public async Task ABadSettingInTheEnvironmentStopsStartUpWithOneLineNamingIt(string variable, string value, string named)
    {
        var result = await StartAsync([], new Dictionary<string, string?> { [variable] = value });

        AssertOneLineNaming(result, named);
    }

    [Fact]
    public async Task PostgresWithoutAServerStopsStartUpSayingWhatToSet()
    {
        var result = await StartAsync(["--Database:Provider=Postgres"]);

        AssertOneLineNaming(result, "ConnectionStrings:Postgres or Database:Postgres:Host");
    }

    [Fact]
    public async Task AMalformedConnectionStringIsNamedWithoutBeingQuoted()
    {
        var result = await StartAsync(["--Database:Provider=Postgres", "--ConnectionStrings:Postgres=Host=pg;Password=hunter2;Bogus Keyword=1"]);

        AssertOneLineNaming(result, "ConnectionStrings:Postgres is not a valid");
        Assert.DoesNotContain("hunter2", result.StandardError + result.StandardOutput, StringComparison.Ordinal);
    }

    [Fact]
    public async Task AManagementPortEqualToTheServicePortIsRefused()
    {
        var port = FreePort.Next().ToString(System.Globalization.CultureInfo.InvariantCulture);

        var result = await StartAsync([$"--urls=http://127.0.0.1:{port}", $"--Telemetry:Prometheus:Port={port}"]);

        AssertOneLineNaming(result, "Telemetry:Prometheus:Port");
    }

    private static void AssertOneLineNaming(ProcessResult result, string named)
    {
        Assert.True(result.ExitCode == ConfigurationExitCode, $"expected exit code {ConfigurationExitCode}, got {result}");
        var line = Assert.Single(result.StandardError.Split('\n', StringSplitOptions.RemoveEmptyEntries));
        Assert.StartsWith("Invalid configuration: ", line, StringComparison.Ordinal);
        Assert.Contains(named, line, StringComparison.Ordinal);
        Assert.DoesNotContain("   at ", result.StandardOutput, StringComparison.Ordinal);
        Assert.DoesNotContain("Unhandled exception", result.StandardOutput, StringComparison.Ordinal);
    }

    /// <summary>The service as built next to the tests, with a clean environment plus <paramref name="environment"/>.</summary>
    private static Task<ProcessResult> StartAsync(string[] arguments, Dictionary<string, string?>? environment = null)
    {
        environment ??= [];
        foreach (var variable in new[] { "ASPNETCORE_URLS", "ASPNETCORE_HTTP_PORTS", "ASPNETCORE_ENVIRONMENT", "DOTNET_ENVIRONMENT" })
        {
            environment.TryAdd(variable, null);
        }

        // A free port, so that a setting wrongly accepted fails the test by timing out rather than by colliding.
        string[] listen = arguments.Any(a => a.StartsWith("--urls=", StringComparison.Ordinal))
            ? []
            : [$"--urls=http://127.0.0.1:{FreePort.Next().ToString(System.Globalization.CultureInfo.InvariantCulture)}"];
        return ProcessRunner.RunAsync(
            "dotnet",
            [Path.Combine(AppContext.BaseDirectory, "Pulse.Api.dll"), .. listen, .. arguments],
            timeout: TimeSpan.FromSeconds(60),
            workingDirectory: AppContext.BaseDirectory,
            environment: environment);
    }
}
