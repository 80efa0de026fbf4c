using Pulse.Slo.Spec;
using Pulse.Testing;

namespace Pulse.Slo.Tests;

/// <summary>The service facts and specs the tests read.</summary>
internal static class Specs
{
    public static string Root => RepositoryRoot.Directory;

    /// <summary>The service's real buckets and endpoints, as the generator reads them by default.</summary>
    public static ServiceFacts Facts { get; } = ServiceFacts.Load(
        RepositoryRoot.Combine(ServiceFacts.DefaultSettingsFile), RepositoryRoot.Combine(ServiceFacts.DefaultOpenApiFile));

    /// <summary>The committed spec, deploy/slo/pulse.yaml.</summary>
    public static SloSpec Shipped => SpecReader.ReadFile(RepositoryRoot.Combine(SloGenerator.DefaultSpecPath), Facts, SloGenerator.DefaultSpecPath);

    /// <summary>A spec with the given objectives (YAML list items) under the usual header.</summary>
    public static string Yaml(string objectives, string window = "30d") =>
        $"version: 1\njob: pulse-api\nwindow: {window}\nobjectives:\n{objectives}";

    public static SloSpec Read(string objectives, string window = "30d", ServiceFacts? facts = null) =>
        SpecReader.Read(Yaml(objectives, window), facts ?? Facts);
}
