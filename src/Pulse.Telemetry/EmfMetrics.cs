namespace Pulse.Telemetry;

/// <summary>
/// The CloudWatch Embedded Metric Format schema: namespace, metric names, units and the dimension sets
/// each metric is emitted at. CloudWatch dashboards and alarms are built from these same constants,
/// so an alarm can only watch a metric at a dimension set the service really emits.
/// </summary>
public static class EmfMetrics
{
    /// <summary>Environment variable that overrides the namespace (the name the AWS EMF libraries read).</summary>
    public const string NamespaceVariable = "AWS_EMF_NAMESPACE";

    /// <summary>Environment variable that overrides the <see cref="Dimensions.Service"/> value (the name the AWS EMF libraries read).</summary>
    public const string ServiceNameVariable = "AWS_EMF_SERVICE_NAME";

    /// <summary>Namespace used when <see cref="NamespaceVariable"/> is not set.</summary>
    public const string DefaultNamespace = "Pulse/App";

    /// <summary>Service name used when <see cref="ServiceNameVariable"/> is not set.</summary>
    public const string DefaultServiceName = "pulse-api";

    /// <summary>Environment variable the ECS agent sets to the task metadata endpoint (version 4).</summary>
    public const string EcsMetadataVariable = "ECS_CONTAINER_METADATA_URI_V4";

    /// <summary>Dimension names.</summary>
    public static class Dimensions
    {
        /// <summary>The service name.</summary>
        public const string Service = "Service";

        /// <summary>The route template (never the raw path), or <see cref="PulseMetrics.UnmatchedEndpoint"/>.</summary>
        public const string Endpoint = "Endpoint";
    }

    /// <summary>Metric names; dashboards and alarms read them by these names.</summary>
    public static class Names
    {
        /// <summary>Requests served.</summary>
        public const string RequestCount = "RequestCount";

        /// <summary>Request latency distribution in milliseconds.</summary>
        public const string RequestLatencyMs = "RequestLatencyMs";

        /// <summary>Responses with status code 400 or above.</summary>
        public const string ErrorCount = "ErrorCount";

        /// <summary>Responses with status code 500 or above.</summary>
        public const string ServerErrorCount = "ServerErrorCount";

        /// <summary>Peak number of requests in flight during the interval.</summary>
        public const string ActiveRequests = "ActiveRequests";

        /// <summary>Requests served by one endpoint.</summary>
        public const string EndpointInvocations = "EndpointInvocations";
    }

    /// <summary>
    /// Plain (non-dimension) members: queryable in CloudWatch Logs Insights, never a metric dimension, so they
    /// cost nothing in custom metrics.
    /// </summary>
    public static class Properties
    {
        /// <summary>PerRequest mode: ASP.NET Core's request id (<c>HttpContext.TraceIdentifier</c>), as in the logs.</summary>
        public const string RequestId = "RequestId";

        /// <summary>PerRequest mode: the W3C trace id of the request, when it has one.</summary>
        public const string TraceId = "TraceId";

        /// <summary>PerRequest mode: the request method (unknown methods as <see cref="PulseMetrics.OtherMethod"/>).</summary>
        public const string Method = "Method";

        /// <summary>PerRequest mode: the numeric response status code.</summary>
        public const string StatusCode = "StatusCode";

        /// <summary>On ECS: the task ARN from the task metadata endpoint.</summary>
        public const string TaskArn = "TaskArn";

        /// <summary>On ECS: the cluster from the task metadata endpoint.</summary>
        public const string Cluster = "Cluster";

        /// <summary>On ECS: the availability zone from the task metadata endpoint.</summary>
        public const string AvailabilityZone = "AvailabilityZone";
    }

    /// <summary>CloudWatch units used by the metrics above.</summary>
    public static class Units
    {
        /// <summary>A count of events.</summary>
        public const string Count = "Count";

        /// <summary>Milliseconds.</summary>
        public const string Milliseconds = "Milliseconds";
    }

    /// <summary>The dimension set <c>[Service]</c>.</summary>
    public static IReadOnlyList<string> ServiceDimensions { get; } = [Dimensions.Service];

    /// <summary>The dimension set <c>[Service, Endpoint]</c>.</summary>
    public static IReadOnlyList<string> EndpointDimensions { get; } = [Dimensions.Service, Dimensions.Endpoint];

    /// <summary>Every metric the service emits, with its unit and the dimension set it is emitted at.</summary>
    public static IReadOnlyList<EmfMetricDefinition> Emitted { get; } =
    [
        new(Names.RequestCount, Units.Count, ServiceDimensions),
        new(Names.ErrorCount, Units.Count, ServiceDimensions),
        new(Names.ServerErrorCount, Units.Count, ServiceDimensions),
        new(Names.RequestLatencyMs, Units.Milliseconds, ServiceDimensions),
        new(Names.ActiveRequests, Units.Count, ServiceDimensions),
        new(Names.EndpointInvocations, Units.Count, EndpointDimensions),
        new(Names.RequestLatencyMs, Units.Milliseconds, EndpointDimensions),
        new(Names.ErrorCount, Units.Count, EndpointDimensions),
    ];

    /// <summary>
    /// True when the service emits <paramref name="metricName"/> at exactly the dimension keys given
    /// (order does not matter, as in CloudWatch).
    /// </summary>
    public static bool IsEmitted(string metricName, IEnumerable<string> dimensionKeys)
    {
        ArgumentNullException.ThrowIfNull(dimensionKeys);
        var keys = dimensionKeys.ToHashSet(StringComparer.Ordinal);
        return Emitted.Any(m => m.Name == metricName && keys.SetEquals(m.Dimensions));
    }
}

/// <summary>One metric at one dimension set.</summary>
/// <param name="Name">Metric name.</param>
/// <param name="Unit">CloudWatch unit.</param>
/// <param name="Dimensions">Dimension names, in the order they appear in the document.</param>
public sealed record EmfMetricDefinition(string Name, string Unit, IReadOnlyList<string> Dimensions);
