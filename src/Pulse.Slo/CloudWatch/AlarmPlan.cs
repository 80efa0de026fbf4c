using System.Text.Json;

namespace Pulse.Slo.CloudWatch;

/// <summary>
/// The CloudWatch side of the SLOs, as data for the CDK app (deploy/slo/generated/cloudwatch-alarms.json; how
/// to turn it into <c>AWS::CloudWatch::Alarm</c> and <c>AWS::CloudWatch::CompositeAlarm</c> is in docs/slo.md).
/// Field names and values follow CloudFormation's, so each maps one to one.
/// </summary>
/// <param name="SchemaVersion">Changes whenever a field changes meaning or disappears.</param>
/// <param name="GeneratedFrom">The spec file.</param>
/// <param name="Namespace">The EMF namespace the service writes by default; a deployment that sets <c>AWS_EMF_NAMESPACE</c> uses its own.</param>
/// <param name="ServiceDimension">Every metric is read with this dimension set to the deployment's service name (<c>AWS_EMF_SERVICE_NAME</c>).</param>
/// <param name="Objectives">One entry per objective of the spec, in spec order.</param>
public sealed record AlarmPlan(int SchemaVersion, string GeneratedFrom, string Namespace, string ServiceDimension, IReadOnlyList<ObjectiveAlarms> Objectives)
{
    public const int CurrentSchemaVersion = 1;

    /// <summary>Reads a plan written by the generator.</summary>
    public static AlarmPlan Load(string path) =>
        JsonSerializer.Deserialize<AlarmPlan>(File.ReadAllText(path), Json.Options)
            ?? throw new InvalidDataException($"{path} holds no alarm plan.");
}

/// <summary>One objective's SLI, its burn-rate alarms (one per window) and the composites that pair them.</summary>
/// <param name="Name">The objective's name (also the Prometheus <c>slo</c> label).</param>
/// <param name="Sli"><c>availability</c> or <c>latency</c>.</param>
/// <param name="Description">The objective in words.</param>
/// <param name="TargetPercent">The target, e.g. 99.9.</param>
/// <param name="ErrorBudget">The budget as a ratio of requests, e.g. 0.001.</param>
/// <param name="WindowDays">The SLO window.</param>
/// <param name="Endpoint">The <c>Endpoint</c> dimension value when the objective is limited to one route, else null.</param>
/// <param name="ThresholdMs">Latency objectives: the threshold in milliseconds (the unit of <c>RequestLatencyMs</c>).</param>
/// <param name="Sli1m">Metric data queries whose returned series is the error ratio per minute (dashboards).</param>
/// <param name="Alarms">The burn-rate alarms, one per window; none has actions of its own.</param>
/// <param name="Composites">The page and ticket composite alarms; these notify.</param>
public sealed record ObjectiveAlarms(
    string Name,
    string Sli,
    string Description,
    double TargetPercent,
    double ErrorBudget,
    int WindowDays,
    string? Endpoint,
    double? ThresholdMs,
    IReadOnlyList<MetricQuery> Sli1m,
    IReadOnlyList<BurnRateAlarm> Alarms,
    IReadOnlyList<CompositeAlarm> Composites);

/// <summary>
/// A metric math alarm whose returned series is the burn rate over one window (error ratio / error budget):
/// the period is the window, so each evaluation looks at exactly that much recent data.
/// </summary>
/// <param name="Id">Stable identifier within the plan, e.g. <c>availability-burn-1h</c>: a construct id, and the alarm name's suffix.</param>
/// <param name="Window">The window, e.g. <c>1h</c>.</param>
/// <param name="Description">AlarmDescription.</param>
/// <param name="Threshold">Threshold: the burn rate, e.g. 14.4.</param>
/// <param name="ComparisonOperator">ComparisonOperator.</param>
/// <param name="EvaluationPeriods">EvaluationPeriods.</param>
/// <param name="DatapointsToAlarm">DatapointsToAlarm.</param>
/// <param name="TreatMissingData">TreatMissingData: no data means no requests, hence no errors.</param>
/// <param name="Metrics">Metrics (the metric data queries); exactly one returns data.</param>
public sealed record BurnRateAlarm(
    string Id,
    string Window,
    string Description,
    double Threshold,
    string ComparisonOperator,
    int EvaluationPeriods,
    int DatapointsToAlarm,
    string TreatMissingData,
    IReadOnlyList<MetricQuery> Metrics);

/// <summary>One metric data query: either an EMF metric with a statistic, or a math expression over other ids.</summary>
/// <param name="Id">Id (lower-case letter first, letters, digits and '_').</param>
/// <param name="MetricStat">The metric read, or null for an expression.</param>
/// <param name="Expression">The math expression, or null for a metric.</param>
/// <param name="Label">Label.</param>
/// <param name="ReturnData">ReturnData: true for the one series the alarm compares.</param>
public sealed record MetricQuery(string Id, EmfMetricStat? MetricStat, string? Expression, string? Label, bool ReturnData);

/// <summary>An EMF metric of the service at one dimension set, with the statistic and period to read it with.</summary>
/// <param name="MetricName">MetricName, one of <c>Pulse.Telemetry.EmfMetrics.Names</c>.</param>
/// <param name="Dimensions">The dimension set, as the EMF exporter writes it (<c>EmfMetrics.Emitted</c>).</param>
/// <param name="Endpoint">The <c>Endpoint</c> dimension's value when the set has it.</param>
/// <param name="Stat">Stat: <c>Sum</c>, or <c>PR(:threshold)</c>, the percentage of requests at or below the threshold.</param>
/// <param name="Period">Period in seconds.</param>
public sealed record EmfMetricStat(string MetricName, IReadOnlyList<string> Dimensions, string? Endpoint, string Stat, int Period);

/// <summary>
/// A composite alarm: ALARM when any pair has both its long-window and its short-window alarm in ALARM, i.e.
/// <c>(ALARM(long1) AND ALARM(short1)) OR (ALARM(long2) AND ALARM(short2))</c>.
/// </summary>
/// <param name="Id">Stable identifier, e.g. <c>availability-fast-burn</c>.</param>
/// <param name="Severity"><c>page</c> or <c>ticket</c>.</param>
/// <param name="DeploymentGate">True for the alarm an ECS deployment watches to roll back (the fast burn).</param>
/// <param name="Description">AlarmDescription.</param>
/// <param name="AnyOf">The pairs, by alarm <see cref="BurnRateAlarm.Id"/>.</param>
public sealed record CompositeAlarm(string Id, string Severity, bool DeploymentGate, string Description, IReadOnlyList<AlarmPair> AnyOf);

/// <summary>Both alarms must be in ALARM.</summary>
/// <param name="LongWindow">Id of the long-window alarm.</param>
/// <param name="ShortWindow">Id of the short-window alarm.</param>
public sealed record AlarmPair(string LongWindow, string ShortWindow);
