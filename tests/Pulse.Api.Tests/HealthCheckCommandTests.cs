using System.Globalization;
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
    public void TheCheckWaitsThreeSecondsForAnAnswer() => Assert.Equal(TimeSpan.FromSeconds(3), HealthCheckCommand.DefaultTimeout);

    [Theory]
    [InlineData("", "http://127.0.0.1:8080/health/live")]
    [InlineData("http_ports=18099", "http://127.0.0.1:18099/health/live")]
    [InlineData("http_ports=18099;18100", "http://127.0.0.1:18099/health/live")]
    [InlineData("https_ports=8443", "https://127.0.0.1:8443/health/live")]
    [InlineData("https_ports=8443|http_ports=8080", "http://127.0.0.1:8080/health/live")]
    [InlineData("urls=http://+:5000|http_ports=8080", "http://127.0.0.1:5000/health/live")]
    [InlineData("urls=https://*:5001;http://*:5000", "http://127.0.0.1:5000/health/live")]
    [InlineData("urls=http://0.0.0.0:5000", "http://127.0.0.1:5000/health/live")]
    [InlineData("urls=http://[::]:5000", "http://127.0.0.1:5000/health/live")]
    [InlineData("urls=http://localhost:5000", "http://127.0.0.1:5000/health/live")]
    [InlineData("urls=http://pulse.example:5000", "http://127.0.0.1:5000/health/live")]
    [InlineData("urls=http://10.1.2.3:5000", "http://10.1.2.3:5000/health/live")]
    [InlineData("urls=http://[::1]:5000", "http://[::1]:5000/health/live")]
    [InlineData("Kestrel:Endpoints:Web:Url=http://0.0.0.0:7000|urls=http://+:5000", "http://127.0.0.1:7000/health/live")]
    public void WithoutAUrlTheCheckGoesWhereKestrelBindsWithTheSameSettings(string settings, string expected)
    {
        var configuration = new ConfigurationBuilder()
            .AddInMemoryCollection(settings.Split('|', StringSplitOptions.RemoveEmptyEntries).Select(s => s.Split('=', 2)).Select(kv => KeyValuePair.Create(kv[0], (string?)kv[1])))
            .Build();

        Assert.Equal(new Uri(expected), HealthCheckCommand.LivenessUrl(configuration));
    }

    [Theory]
    [InlineData("urls=http://127.0.0.1:0", "lets the server pick its port")]
    [InlineData("urls=http://unix:/tmp/pulse.sock", "has no TCP address")]
    public void AnAddressTheCheckCannotReachIsACleanErrorThatNamesTheSetting(string setting, string message)
    {
        var (key, value) = (setting.Split('=', 2)[0], setting.Split('=', 2)[1]);
        var configuration = new ConfigurationBuilder().AddInMemoryCollection([KeyValuePair.Create(key, (string?)value)]).Build();

        var error = Assert.Throws<InvalidOperationException>(() => HealthCheckCommand.LivenessUrl(configuration));
        Assert.Contains(message, error.Message, StringComparison.Ordinal);
        Assert.StartsWith("urls", error.Message, StringComparison.Ordinal);
    }

    /// <summary>The published entry point, run as the HEALTHCHECK runs it, with only the given address settings in its environment.</summary>
    private static Task<ProcessResult> RunBinaryAsync(IEnumerable<string> environment, params string[] arguments) =>
        ProcessRunner.RunAsync(
            "env",
            ["-u", "ASPNETCORE_URLS", "-u", "ASPNETCORE_HTTP_PORTS", "-u", "ASPNETCORE_HTTPS_PORTS", "-u", "DOTNET_URLS", .. environment,
             "dotnet", Path.Combine(AppContext.BaseDirectory, "Pulse.Api.dll"), HealthCheckCommand.Verb, .. arguments],
            timeout: TimeSpan.FromSeconds(30));

    [Theory]
    [InlineData("ASPNETCORE_HTTP_PORTS={0}")]
    [InlineData("ASPNETCORE_URLS=http://+:{0}")]
    [InlineData("ASPNETCORE_URLS=http://127.0.0.1:{0};http://127.0.0.1:1")]
    public async Task WithoutAUrlTheVerbChecksThePortThatTheServersOwnAddressVariableSets(string variable)
    {
        var result = await RunBinaryAsync([string.Format(CultureInfo.InvariantCulture, variable, _port)]);

        Assert.True(result.ExitCode == 0, result.ToString());
        Assert.Contains($"http://127.0.0.1:{_port}/health/live answered 200", result.StandardOutput, StringComparison.Ordinal);
    }

    [Fact]
    public async Task WithoutAUrlTheVerbChecksTheAddressGivenWithUrlsAsTheServerWouldTakeIt()
    {
        var result = await RunBinaryAsync(["ASPNETCORE_HTTP_PORTS=1"], "--urls", $"http://0.0.0.0:{_port}");

        Assert.True(result.ExitCode == 0, result.ToString());
        Assert.Contains($"http://127.0.0.1:{_port}/health/live answered 200", result.StandardOutput, StringComparison.Ordinal);
    }

    [Fact]
    public async Task AnAddressVariableThatPointsWhereNothingListensMakesTheVerbExitWithOne()
    {
        var closedPort = FreePort.Next();

        var result = await RunBinaryAsync([$"ASPNETCORE_HTTP_PORTS={closedPort}"]);

        Assert.True(result.ExitCode == 1, result.ToString());
        Assert.Contains($"http://127.0.0.1:{closedPort}/health/live could not be reached", result.StandardError, StringComparison.Ordinal);
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
