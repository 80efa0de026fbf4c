using System.Net;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.Logging;
using Pulse.Telemetry.Emf;
using Pulse.Testing;
using Pulse.Testing.Emf;

namespace Pulse.Telemetry.Tests.Emf;

public sealed class EcsTaskMetadataTests
{
    [Fact]
    public async Task TaskArnClusterAndZoneAreReadOnceFromTheMetadataEndpoint()
    {
        using var endpoint = FakeMetadataEndpoint.Start(HttpStatusCode.OK, FakeMetadataEndpoint.TaskJson);
        // A generous limit: on a loaded machine the fake endpoint's first answer can take longer than the agent's.
        var metadata = new EcsTaskMetadata(Configuration(endpoint.BaseUri), new ListLogger<EcsTaskMetadata>(), TimeSpan.FromSeconds(30));

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
