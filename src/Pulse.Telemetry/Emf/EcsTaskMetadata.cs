using System.Text.Json;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.Logging;

namespace Pulse.Telemetry.Emf;

/// <summary>
/// On ECS, the task's identity for every EMF document: <c>GET ${ECS_CONTAINER_METADATA_URI_V4}/task</c>
/// (task metadata endpoint version 4) gives <c>TaskARN</c>, <c>Cluster</c> and <c>AvailabilityZone</c>. Read
/// once; when the variable is unset nothing is read, and a failure is logged once and leaves the documents
/// without these properties.
/// </summary>
/// <param name="configuration">Where <c>ECS_CONTAINER_METADATA_URI_V4</c> is read.</param>
/// <param name="logger">Where a failure is told.</param>
/// <param name="timeout">How long the endpoint may take; <see cref="DefaultTimeout"/> unless a test on a loaded machine needs longer.</param>
internal sealed partial class EcsTaskMetadata(IConfiguration configuration, ILogger<EcsTaskMetadata> logger, TimeSpan? timeout = null)
{
    /// <summary>The endpoint answers from the local agent; a slow answer must not hold up start-up for long.</summary>
    public static readonly TimeSpan DefaultTimeout = TimeSpan.FromSeconds(2);

    private readonly Lock _lock = new();
    private Task<IReadOnlyList<KeyValuePair<string, string>>>? _read;

    /// <summary>The task's properties; the endpoint is asked once, whoever asks first and however often.</summary>
    public Task<IReadOnlyList<KeyValuePair<string, string>>> GetPropertiesAsync(CancellationToken cancellationToken)
    {
        lock (_lock)
        {
            _read ??= ReadAsync(CancellationToken.None);
        }

        return _read.WaitAsync(cancellationToken);
    }

    private async Task<IReadOnlyList<KeyValuePair<string, string>>> ReadAsync(CancellationToken cancellationToken)
    {
        var baseUri = configuration[EmfMetrics.EcsMetadataVariable];
        if (string.IsNullOrWhiteSpace(baseUri))
        {
            return [];
        }

        try
        {
            var taskUri = new Uri(baseUri.TrimEnd('/') + "/task", UriKind.Absolute);
            using var http = new HttpClient { Timeout = timeout ?? DefaultTimeout };
            using var response = await http.GetAsync(taskUri, cancellationToken).ConfigureAwait(false);
            response.EnsureSuccessStatusCode();
            using var document = await JsonDocument.ParseAsync(
                await response.Content.ReadAsStreamAsync(cancellationToken).ConfigureAwait(false), cancellationToken: cancellationToken).ConfigureAwait(false);

            var properties = new List<KeyValuePair<string, string>>(3);
            Add(properties, document.RootElement, "TaskARN", EmfMetrics.Properties.TaskArn);
            Add(properties, document.RootElement, "Cluster", EmfMetrics.Properties.Cluster);
            Add(properties, document.RootElement, "AvailabilityZone", EmfMetrics.Properties.AvailabilityZone);
            return properties;
        }
        catch (Exception ex) when (ex is HttpRequestException or TaskCanceledException or JsonException or UriFormatException or InvalidOperationException)
        {
            LogUnavailable(logger, baseUri, ex.Message);
            return [];
        }
    }

    private static void Add(List<KeyValuePair<string, string>> properties, JsonElement task, string field, string property)
    {
        if (task.ValueKind == JsonValueKind.Object
            && task.TryGetProperty(field, out var value) && value.ValueKind == JsonValueKind.String
            && value.GetString() is { Length: > 0 } text)
        {
            properties.Add(new(property, text));
        }
    }

    [LoggerMessage(Level = LogLevel.Warning,
        Message = "Could not read the ECS task metadata from {Endpoint}/task ({Error}); EMF documents go out without the task ARN, cluster and availability zone.")]
    private static partial void LogUnavailable(ILogger logger, string endpoint, string error);
}
