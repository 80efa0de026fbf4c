using System.Globalization;
using System.Text.RegularExpressions;
using Microsoft.Extensions.Options;

namespace Pulse.Telemetry;

/// <summary>
/// Rejects EMF settings that CloudWatch would refuse or that would break the one-interval-per-period rule;
/// each message names the setting (or environment variable).
/// </summary>
internal sealed partial class EmfOptionsValidator : IValidateOptions<EmfOptions>
{
    public const int MinQueueCapacity = 16;
    public const int MaxQueueCapacity = 1_000_000;

    public ValidateOptionsResult Validate(string? name, EmfOptions options)
    {
        ArgumentNullException.ThrowIfNull(options);
        if (!options.Enabled)
        {
            return ValidateOptionsResult.Success;
        }

        var failures = new List<string>();
        Check(failures, options);
        return failures.Count == 0 ? ValidateOptionsResult.Success : ValidateOptionsResult.Fail(failures);
    }

    internal static void Check(List<string> failures, EmfOptions emf)
    {
        if (!Enum.IsDefined(emf.Mode))
        {
            failures.Add(Invariant($"Telemetry:Emf:Mode must be Aggregated or PerRequest (got {emf.Mode})."));
        }

        if (!Enum.IsDefined(emf.LatencyFormat))
        {
            failures.Add(Invariant($"Telemetry:Emf:LatencyFormat must be Distribution, Values or StatisticSet (got {emf.LatencyFormat})."));
        }

        // Intervals that divide a minute keep every document inside one CloudWatch period (60 s by default).
        var interval = emf.FlushInterval;
        if (interval < TimeSpan.FromSeconds(1) || interval > TimeSpan.FromSeconds(60)
            || interval.Ticks % TimeSpan.TicksPerSecond != 0 || 60 % (int)interval.TotalSeconds != 0)
        {
            failures.Add(Invariant(
                $"Telemetry:Emf:FlushInterval must be whole seconds from 00:00:01 to 00:01:00 that divide a minute (1, 2, 3, 4, 5, 6, 10, 12, 15, 20, 30 or 60 s) (got {interval})."));
        }

        for (var i = 0; i < emf.Meters.Count; i++)
        {
            if (string.IsNullOrWhiteSpace(emf.Meters[i]))
            {
                failures.Add(Invariant($"Telemetry:Emf:Meters:{i} must name a meter (got '{emf.Meters[i]}')."));
            }
        }

        if (emf.QueueCapacity is < MinQueueCapacity or > MaxQueueCapacity)
        {
            failures.Add(Invariant($"Telemetry:Emf:QueueCapacity must be between {MinQueueCapacity} and {MaxQueueCapacity} (got {emf.QueueCapacity})."));
        }

        // The awslabs EMF libraries' namespace rule (EMF rules §3); CloudWatch reserves the AWS/ prefix.
        if (string.IsNullOrEmpty(emf.Namespace) || emf.Namespace.Length > 256 || !NamespacePattern().IsMatch(emf.Namespace)
            || emf.Namespace.StartsWith("AWS/", StringComparison.Ordinal))
        {
            failures.Add(
                $"{EmfMetrics.NamespaceVariable} must be 1 to 256 characters of letters, digits and . _ # : / - and must not start with 'AWS/' (got '{emf.Namespace}').");
        }

        // A dimension value: a non-blank string of at most 1024 characters (EMF rules §4), printable ASCII as
        // the awslabs libraries require.
        if (string.IsNullOrWhiteSpace(emf.ServiceName) || emf.ServiceName.Length > 1024 || !emf.ServiceName.All(c => c is >= ' ' and <= '~'))
        {
            failures.Add($"{EmfMetrics.ServiceNameVariable} must be 1 to 1024 printable ASCII characters, not all blank (got '{emf.ServiceName}').");
        }
    }

    [GeneratedRegex("^[a-zA-Z0-9._#:/-]+$", RegexOptions.CultureInvariant)]
    private static partial Regex NamespacePattern();

    private static string Invariant(FormattableString text) => text.ToString(CultureInfo.InvariantCulture);
}
