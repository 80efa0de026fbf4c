using Pulse.Slo.CloudWatch;
using Pulse.Slo.Grafana;
using Pulse.Slo.Prometheus;
using Pulse.Slo.Spec;

namespace Pulse.Slo;

/// <summary>One file the generator writes: its path relative to the repository root and its whole text.</summary>
public sealed record GeneratedFile(string Path, string Text);

/// <summary>Turns a validated spec into every file it determines. The same spec always gives the same bytes.</summary>
public static class SloGenerator
{
    /// <summary>The spec, relative to the repository root.</summary>
    public const string DefaultSpecPath = "deploy/slo/pulse.yaml";

    /// <summary>Folder of the Prometheus rule files, all loaded by deploy/prometheus/prometheus.yml (rules/*.yml).</summary>
    public const string RulesDirectory = "deploy/prometheus/rules";

    /// <summary>Folder of the promtool unit tests.</summary>
    public const string RuleTestsDirectory = "deploy/prometheus/tests";

    /// <summary>Every generated rule file and test file starts with this.</summary>
    public const string FilePrefix = "slo-";

    /// <summary>
    /// An objective's rules, one file each: its promtool tests load only that file, so an objective's test
    /// traffic can never make another objective's alert (of the same name) fire.
    /// </summary>
    public static string RulesPath(Objective objective) => $"{RulesDirectory}/{FilePrefix}{objective.Name}.yml";

    /// <summary>promtool unit tests of one objective's page alert.</summary>
    public static string RuleTestsPath(Objective objective) => $"{RuleTestsDirectory}/{FilePrefix}{objective.Name}.test.yml";

    /// <summary>promtool unit tests of one objective's ticket alert (days of traffic, evaluated every 10 minutes).</summary>
    public static string TicketTestsPath(Objective objective) => $"{RuleTestsDirectory}/{FilePrefix}{objective.Name}.tickets.test.yml";

    /// <summary>The Grafana dashboard, provisioned with the others from deploy/grafana/dashboards.</summary>
    public const string DashboardPath = "deploy/grafana/dashboards/pulse-slo.json";

    /// <summary>The CloudWatch alarm plan the CDK app reads.</summary>
    public const string CloudWatchPath = "deploy/slo/generated/cloudwatch-alarms.json";

    public static IReadOnlyList<GeneratedFile> Generate(SloSpec spec, string specPath = DefaultSpecPath)
    {
        ArgumentNullException.ThrowIfNull(spec);
        var files = new List<GeneratedFile>();
        foreach (var objective in spec.Objectives)
        {
            files.Add(new(RulesPath(objective), RuleFileWriter.Write(spec, objective, specPath)));
            files.Add(new(RuleTestsPath(objective), RuleTestWriter.WritePages(spec, objective, specPath, RulesPath(objective), RuleTestsPath(objective))));
            files.Add(new(TicketTestsPath(objective), RuleTestWriter.WriteTickets(spec, objective, specPath, RulesPath(objective), TicketTestsPath(objective))));
        }

        files.Add(new(DashboardPath, DashboardWriter.Write(spec, specPath)));
        files.Add(new(CloudWatchPath, AlarmPlanWriter.Write(spec, specPath)));
        return files;
    }

    /// <summary>
    /// Generated files under <paramref name="root"/> that are missing or differ, and stale ones: rule and test
    /// files named like generated ones (<c>slo-*.yml</c>) that the spec no longer produces.
    /// </summary>
    public static IReadOnlyList<string> Differences(IReadOnlyList<GeneratedFile> files, string root)
    {
        ArgumentNullException.ThrowIfNull(files);
        var differing = files.Where(f =>
        {
            var path = System.IO.Path.Combine(root, f.Path);
            return !File.Exists(path) || File.ReadAllText(path) != f.Text;
        }).Select(f => f.Path);
        return [.. differing.Concat(Stale(files, root))];
    }

    /// <summary>Rule and test files named like generated ones that <paramref name="files"/> does not hold.</summary>
    public static IEnumerable<string> Stale(IReadOnlyList<GeneratedFile> files, string root)
    {
        ArgumentNullException.ThrowIfNull(files);
        var generated = files.Select(f => f.Path).ToHashSet(StringComparer.Ordinal);
        return from directory in new[] { RulesDirectory, RuleTestsDirectory }
               let full = System.IO.Path.Combine(root, directory)
               where Directory.Exists(full)
               from path in Directory.GetFiles(full, FilePrefix + "*.yml").Order(StringComparer.Ordinal)
               let relative = $"{directory}/{System.IO.Path.GetFileName(path)}"
               where !generated.Contains(relative)
               select relative;
    }
}
