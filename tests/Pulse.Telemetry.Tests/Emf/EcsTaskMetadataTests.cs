using System.Net;
using System.Text;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.Logging;
using Pulse.Telemetry.Emf;
using Pulse.Testing;

namespace Pulse.Telemetry.Tests.Emf;

public sealed class EcsTaskMetadataTests
{
    /// <summary>The shape of a version 4 task metadata response, trimmed to the fields read and a few others.</summary>
    public const string TaskJson = """
        {"Cluster":"arn:aws:ecs:eu-central-1:123456789012:cluster/pulse","TaskARN":"arn:aws:ecs:eu-central-1:123456789012:task/pulse/0123456789abcdef",
         "Family":"pulse-api","Revision":"7","DesiredStatus":"RUNNING","KnownStatus":"RUNNING","AvailabilityZone":"eu-central-1a","LaunchType":"FARGATE"}
        """;

    [Fact]
    public async Task TaskArnClusterAndZoneAreReadOnceFromTheMetadataEndpoint()
    {
        using var endpoint = FakeMetadataEndpoint.Start(HttpStatusCode.OK, TaskJson);
        var metadata = new EcsTaskMetadata(Configuration(endpoint.BaseUri), new ListLogger<EcsTaskMetadata>());

        var first = await metadata.GetPropertiesAsync(CancellationToken.None);
        var second = await metadata.GetPropertiesAsync(CancellationToken.None);

        Assert.Equal(
            [
                new(EmfMetrics.Properties.TaskArn, "arn:aws:ecs:eu-central-1:123456789012:task/pulse/0123456789abcdef"),
                new(EmfMetrics.Properties.Cluster, "arn:aws:ecs:eu-central-1:123456789012:cluster/pulse"),
                new(EmfMetrics.Properties.AvailabilityZone, "eu-central-1a"),
            ],
            first);
        Assert.Same(first, second);
        Assert.Equal(["/v4/container-id/task"], endpoint.Paths);
    }

    [Theory]
    [InlineData(HttpStatusCode.InternalServerError, "{}")]
    [InlineData(HttpStatusCode.OK, "not json")]
    public async Task AFailingEndpointIsLoggedOnceAndTolerated(HttpStatusCode status, string body)
    {
        using var endpoint = FakeMetadataEndpoint.Start(status, body);
        var logger = new ListLogger<EcsTaskMetadata>();
        var metadata = new EcsTaskMetadata(Configuration(endpoint.BaseUri), logger);

        Assert.Empty(await metadata.GetPropertiesAsync(CancellationToken.None));
        Assert.Empty(await metadata.GetPropertiesAsync(CancellationToken.None));

        var warning = Assert.Single(logger.Entries);
        Assert.Equal(LogLevel.Warning, warning.Level);
        Assert.Contains(endpoint.BaseUri, warning.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task AnUnreachableEndpointIsTolerated()
    {
        var logger = new ListLogger<EcsTaskMetadata>();
        var metadata = new EcsTaskMetadata(Configuration($"http://127.0.0.1:{FreePort.Next()}/v4/gone"), logger);

        Assert.Empty(await metadata.GetPropertiesAsync(CancellationToken.None));
        Assert.Single(logger.Entries);
    }

    [Fact]
    public async Task WithoutTheVariableNothingIsReadAndNothingLogged()
    {
        var logger = new ListLogger<EcsTaskMetadata>();
        var metadata = new EcsTaskMetadata(new ConfigurationBuilder().Build(), logger);

        Assert.Empty(await metadata.GetPropertiesAsync(CancellationToken.None));
        Assert.Empty(logger.Entries);
    }

    private static IConfiguration Configuration(string uri) =>
        new ConfigurationBuilder().AddInMemoryCollection([new(EmfMetrics.EcsMetadataVariable, uri)]).Build();
}

/// <summary>A stand-in for the ECS agent's task metadata endpoint on a loopback port.</summary>
internal sealed class FakeMetadataEndpoint : IDisposable
{
    private readonly HttpListener _listener = new();
    private readonly List<string> _paths = [];
    private readonly Lock _lock = new();

    private FakeMetadataEndpoint(HttpStatusCode status, string body)
    {
        var port = FreePort.Next();
        BaseUri = $"http://127.0.0.1:{port}/v4/container-id";
        _listener.Prefixes.Add($"http://127.0.0.1:{port}/");
        _listener.Start();
        _ = ServeAsync(status, Encoding.UTF8.GetBytes(body));
    }

    /// <summary>What <c>ECS_CONTAINER_METADATA_URI_V4</c> would hold.</summary>
    public string BaseUri { get; }

    public IReadOnlyList<string> Paths
    {
        get
        {
            lock (_lock)
            {
                return [.. _paths];
            }
        }
    }

    public static FakeMetadataEndpoint Start(HttpStatusCode status, string body) => new(status, body);

    public void Dispose() => _listener.Close();

    private async Task ServeAsync(HttpStatusCode status, byte[] body)
    {
        while (_listener.IsListening)
        {
            HttpListenerContext context;
            try
            {
                context = await _listener.GetContextAsync();
            }
            catch (Exception ex) when (ex is HttpListenerException or ObjectDisposedException)
            {
                return;
            }

            lock (_lock)
            {
                _paths.Add(context.Request.Url!.AbsolutePath);
            }

            context.Response.StatusCode = (int)status;
            context.Response.ContentType = "application/json";
            await context.Response.OutputStream.WriteAsync(body);
            context.Response.Close();
        }
    }
}

/// <summary>A logger that keeps what it is told.</summary>
internal sealed class ListLogger<T> : ILogger<T>
{
    private readonly Lock _lock = new();
    private readonly List<(LogLevel Level, string Message)> _entries = [];

    public IReadOnlyList<(LogLevel Level, string Message)> Entries
    {
        get
        {
            lock (_lock)
            {
                return [.. _entries];
            }
        }
    }

    public IDisposable? BeginScope<TState>(TState state)
        where TState : notnull => null;

    public bool IsEnabled(LogLevel logLevel) => true;

    public void Log<TState>(LogLevel logLevel, EventId eventId, TState state, Exception? exception, Func<TState, Exception?, string> formatter)
    {
        lock (_lock)
        {
            _entries.Add((logLevel, formatter(state, exception)));
        }
    }
}
