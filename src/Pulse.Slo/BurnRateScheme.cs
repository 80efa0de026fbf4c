using System.Globalization;

using Pulse.Slo.Spec;

namespace Pulse.Slo;

/// <summary>How urgently a burn-rate alert asks for a human.</summary>
public enum Severity
{
    /// <summary>Someone acts now: the budget is gone within days at this pace.</summary>
    Page,

    /// <summary>Someone looks within a working day: the budget runs out before the window ends at this pace.</summary>
    Ticket,
}

/// <summary>
/// One multiwindow burn-rate condition: the error ratio over <see cref="LongWindow"/> AND over <see cref="ShortWindow"/>
/// exceeds <see cref="BurnRate"/> times the error budget. The long window says enough budget has gone; the
/// short one (1/12 of it) says it is still going, so the alert resolves minutes after the errors stop.
/// </summary>
/// <param name="Severity">Page or ticket.</param>
/// <param name="LongWindow">The long window.</param>
/// <param name="ShortWindow">The short window.</param>
/// <param name="BudgetShare">Share of the whole window's error budget spent within <see cref="LongWindow"/> at the threshold.</param>
public sealed record BurnRateAlert(Severity Severity, TimeSpan LongWindow, TimeSpan ShortWindow, decimal BudgetShare)
{
    /// <summary>
    /// The burn rate at which <see cref="BudgetShare"/> of a <paramref name="windowDays"/>-day budget is spent
    /// within <see cref="LongWindow"/>: 14.4, 6, 3 and 1 for a 30-day window.
    /// </summary>
    public decimal BurnRate(int windowDays) => Numbers.Normalize(BudgetShare * windowDays * 24m / (decimal)LongWindow.TotalHours);
}

/// <summary>
/// The multiwindow, multi-burn-rate alerting of the Google SRE Workbook, "Alerting on SLOs" (recommended
/// parameters, section 6): page on 2 % of the budget spent in 1 hour (confirmed over 5 minutes) or 5 % in
/// 6 hours (30 minutes); ticket on 10 % in 1 day (2 hours) or 10 % in 3 days (6 hours).
/// </summary>
public static class BurnRateScheme
{
    public static IReadOnlyList<BurnRateAlert> Alerts { get; } =
    [
        new(Severity.Page, TimeSpan.FromHours(1), TimeSpan.FromMinutes(5), 0.02m),
        new(Severity.Page, TimeSpan.FromHours(6), TimeSpan.FromMinutes(30), 0.05m),
        new(Severity.Ticket, TimeSpan.FromDays(1), TimeSpan.FromHours(2), 0.10m),
        new(Severity.Ticket, TimeSpan.FromDays(3), TimeSpan.FromHours(6), 0.10m),
    ];

    /// <summary>Every window an alert reads, shortest first: 5m, 30m, 1h, 2h, 6h, 1d, 3d.</summary>
    public static IReadOnlyList<TimeSpan> AlertWindows { get; } =
        [.. Alerts.SelectMany(a => new[] { a.LongWindow, a.ShortWindow }).Distinct().Order()];

    /// <summary>The shortest window, the only one computed from the raw counters; the others average it.</summary>
    public static TimeSpan BaseWindow => AlertWindows[0];

    /// <summary>A duration as Prometheus writes it: <c>5m</c>, <c>2h</c>, <c>3d</c>.</summary>
    public static string Format(TimeSpan window) =>
        window.TotalDays >= 1 && window.TotalDays == Math.Floor(window.TotalDays) ? string.Create(CultureInfo.InvariantCulture, $"{(int)window.TotalDays}d")
        : window.TotalHours >= 1 && window.TotalHours == Math.Floor(window.TotalHours) ? string.Create(CultureInfo.InvariantCulture, $"{(int)window.TotalHours}h")
        : string.Create(CultureInfo.InvariantCulture, $"{(int)window.TotalMinutes}m");

    /// <summary>A duration in words for messages and docs: <c>5 minutes</c>, <c>1 hour</c>, <c>3 days</c>.</summary>
    public static string Words(TimeSpan window)
    {
        var (count, unit) = window.TotalDays >= 1 && window.TotalDays == Math.Floor(window.TotalDays) ? ((int)window.TotalDays, "day")
            : window.TotalHours >= 1 && window.TotalHours == Math.Floor(window.TotalHours) ? ((int)window.TotalHours, "hour")
            : ((int)window.TotalMinutes, "minute");
        return string.Create(CultureInfo.InvariantCulture, $"{count} {unit}{(count == 1 ? string.Empty : "s")}");
    }
}
