using System.Net;
using System.Net.Sockets;
using Pulse.Api.Hosting;
using Pulse.Testing;

namespace Pulse.Api.Tests;

/// <summary>The <c>healthcheck [url]</c> verb that the container HEALTHCHECK and the ECS health check run.</summary>
public sealed class HealthCheckCommandTests : IAsyncLifetime
{
    private readonly PulseApiFactory _factory = new();
    private readonly int _port = FreePort.Next();
    private readonly StringWriter _output = new();
    private readonly StringWriter _error = new();

    public Task InitializeAsync()
    {
        _factory.UseKestrel(_port);
        _factory.StartServer();
        return Task.CompletedTask;
    }

    public async Task DisposeAsync() => await _factory.DisposeAsync();

    private Task<int> RunAsync(params string[] args) =>
        HealthCheckCommand.RunAsync([HealthCheckCommand.Verb, .. args], TimeSpan.FromSeconds(3), _output, _error);

    [Fact]
    public async Task ALiveServiceMakesTheCheckExitWithZero()
    {
        var exitCode = await RunAsync($"http://127.0.0.1:{_port}/health/live");

        Assert.Equal(0, exitCode);
        Assert.Contains("answered 200", _output.ToString(), StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("/error", "500")]
    [InlineData("/no/such/page", "404")]
    public async Task AnAnswerOtherThan200MakesTheCheckExitWithOne(string path, string status)
    {
        var exitCode = await RunAsync($"http://127.0.0.1:{_port}{path}");

        Assert.Equal(1, exitCode);
        Assert.Contains($"answered {status}", _error.ToString(), StringComparison.Ordinal);
    }

    [Fact]
    public async Task AClosedPortMakesTheCheckExitWithOne()
    {
        var closedPort = FreePort.Next();

        var exitCode = await RunAsync($"http://127.0.0.1:{closedPort}/health/live");

        Assert.Equal(1, exitCode);
        Assert.Contains("could not be reached", _error.ToString(), StringComparison.Ordinal);
    }

    [Fact]
    public async Task AServerThatNeverAnswersMakesTheCheckExitWithOneAfterItsTimeout()
    {
        // Accepts the connection (the kernel completes the handshake) but never sends a response.
        using var silent = new TcpListener(IPAddress.Loopback, 0);
        silent.Start();
        var port = ((IPEndPoint)silent.LocalEndpoint).Port;

        var exitCode = await HealthCheckCommand.RunAsync(
            [HealthCheckCommand.Verb, $"http://127.0.0.1:{port}/health/live"], TimeSpan.FromMilliseconds(300), _output, _error)
            .WaitAsync(TimeSpan.FromSeconds(10));

        Assert.Equal(1, exitCode);
        Assert.Contains("did not answer within 0.3 s", _error.ToString(), StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("not a url")]
    [InlineData("ftp://127.0.0.1/health/live")]
    public async Task AnArgumentThatIsNotAnHttpUrlIsAUsageErrorWithExitCodeOne(string argument)
    {
        var exitCode = await RunAsync(argument);

        Assert.Equal(1, exitCode);
        Assert.StartsWith("usage: healthcheck [url]", _error.ToString(), StringComparison.Ordinal);
    }

    [Fact]
    public void WithoutAUrlTheCheckCallsTheContainersLivenessEndpointWithinThreeSeconds()
    {
        Assert.Equal(new Uri("http://127.0.0.1:8080/health/live"), HealthCheckCommand.DefaultUrl);
        Assert.Equal(TimeSpan.FromSeconds(3), HealthCheckCommand.DefaultTimeout);
    }

    [Fact]
    public async Task TheServiceBinaryRunsTheVerbInsteadOfStartingTheServer()
    {
        // The published entry point, as the Dockerfile's HEALTHCHECK runs it: `dotnet Pulse.Api.dll healthcheck URL`.
        var dll = Path.Combine(AppContext.BaseDirectory, "Pulse.Api.dll");
        var closedPort = FreePort.Next();

        var failing = await ProcessRunner.RunAsync("dotnet", [dll, "healthcheck", $"http://127.0.0.1:{closedPort}/health/live"], timeout: TimeSpan.FromSeconds(30));
        var passing = await ProcessRunner.RunAsync("dotnet", [dll, "healthcheck", $"http://127.0.0.1:{_port}/health/live"], timeout: TimeSpan.FromSeconds(30));

        Assert.True(failing.ExitCode == 1, failing.ToString());
        Assert.Contains("could not be reached", failing.StandardError, StringComparison.Ordinal);
        Assert.DoesNotContain("Now listening", failing.StandardOutput, StringComparison.Ordinal);
        Assert.True(passing.ExitCode == 0, passing.ToString());
    }
}
