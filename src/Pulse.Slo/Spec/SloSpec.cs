using System.Globalization;

namespace Pulse.Slo.Spec;

/// <summary>What an objective measures.</summary>
public enum SliKind
{
    /// <summary>Share of requests not answered with a server error (status 500-599).</summary>
    Availability,

    /// <summary>Share of requests answered within a duration threshold.</summary>
    Latency,
}

/// <summary>A validated SLO spec (deploy/slo/pulse.yaml; schema in docs/slo.md).</summary>
/// <param name="Version">Schema version; only 1 exists.</param>
/// <param name="Job">The Prometheus job that scrapes the service (deploy/prometheus/prometheus.yml).</param>
/// <param name="WindowDays">The SLO window (compliance period) in days, over which the error budget is counted.</param>
/// <param name="Objectives">The objectives, in spec order.</param>
public sealed record SloSpec(int Version, string Job, int WindowDays, IReadOnlyList<Objective> Objectives)
{
    /// <summary>The window as a Prometheus duration, e.g. <c>30d</c>.</summary>
    public string Window => string.Create(CultureInfo.InvariantCulture, $"{WindowDays}d");

    /// <summary>The window's length.</summary>
    public TimeSpan WindowLength => TimeSpan.FromDays(WindowDays);
}

/// <summary>One objective: a share of good requests to reach over the spec's window.</summary>
/// <param name="Name">Identifier: the <c>slo</c> label in Prometheus, the prefix of the CloudWatch alarms.</param>
/// <param name="Description">What the objective promises, in words (optional).</param>
/// <param name="Sli">What counts as a good request.</param>
/// <param name="TargetPercent">Share of good requests to reach, in percent (0 &lt; target &lt; 100).</param>
/// <param name="Endpoint">Route template the objective is limited to, or null for every request of the service.</param>
/// <param name="ThresholdMs">Latency objectives: the threshold in milliseconds, a bucket boundary of the duration histogram.</param>
public sealed record Objective(string Name, string? Description, SliKind Sli, decimal TargetPercent, string? Endpoint, decimal? ThresholdMs)
{
    /// <summary>The target as a ratio, e.g. 0.999.</summary>
    public decimal Target => Numbers.Normalize(TargetPercent / 100m);

    /// <summary>The error budget as a ratio of requests, e.g. 0.001 for 99.9 %.</summary>
    public decimal ErrorBudget => Numbers.Normalize((100m - TargetPercent) / 100m);

    /// <summary>The latency threshold in seconds (the unit of the Prometheus histogram), or null.</summary>
    public decimal? ThresholdSeconds => ThresholdMs is { } ms ? Numbers.Normalize(ms / 1000m) : null;
}

/// <summary>Invariant, shortest decimal text for generated files.</summary>
internal static class Numbers
{
    /// <summary>Removes trailing zeros of the scale (14.400 becomes 14.4), so the text is the same however the value was computed.</summary>
    public static decimal Normalize(decimal value) => value / 1.000000000000000000000000000000000m;

    public static string Format(decimal value) => Normalize(value).ToString(CultureInfo.InvariantCulture);

    public static string Format(double value) => value.ToString("R", CultureInfo.InvariantCulture);
}
