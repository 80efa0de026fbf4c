using System.Text.RegularExpressions;
using Pulse.Api.Tests.Infrastructure;
using Pulse.Testing;

namespace Pulse.Api.Tests.Docs;

/// <summary>
/// The metric families docs/metrics.md lists and the families a real scrape holds, in step: every family the
/// service exposes is documented, and every documented family exists.
/// </summary>
public static partial class MetricsDocs
{
    /// <summary>The families of Npgsql's meter, exposed only on PostgreSQL.</summary>
    public const string DatabasePrefix = "db_client_";

    /// <summary>What a row says of a family its source reports only in some scrapes.</summary>
    public const string Intermittent = "(not in every scrape)";

    /// <summary>
    /// Family names (as in <c># TYPE</c> lines) in the first cell of the rows of the document's metric tables
    /// (those headed "Metric"); <c>db_client_*</c>-style entries are cross-references.
    /// </summary>
    public static IReadOnlySet<string> Documented(bool includeIntermittent = true)
    {
        var families = new HashSet<string>(StringComparer.Ordinal);
        var inMetricTable = false;
        string? previous = null;
        foreach (var line in File.ReadLines(RepositoryRoot.Combine("docs", "metrics.md")))
        {
            var cells = line.Split('|', StringSplitOptions.TrimEntries);
            if (cells is ["", var first, ..])
            {
                if (previous?.StartsWith('|') != true)
                {
                    inMetricTable = first is "Metric" or "Prometheus metric";
                }
                else if (inMetricTable && (includeIntermittent || !line.Contains(Intermittent, StringComparison.Ordinal)))
                {
                    families.UnionWith(Family().Matches(first).Select(m => m.Groups["name"].Value));
                }
            }

            previous = line;
        }

        return families;
    }

    /// <summary>The families of an exposition in the text format, from its <c># TYPE</c> lines.</summary>
    public static IReadOnlySet<string> Exposed(string exposition) =>
        exposition.Split('\n')
            .Where(line => line.StartsWith("# TYPE ", StringComparison.Ordinal))
            .Select(line => line.Split(' ')[2])
            .ToHashSet(StringComparer.Ordinal);

    /// <summary>Requests that make every request-driven family appear: success, client and server errors, a write.</summary>
    public static async Task<string> ScrapeAfterTrafficAsync(HttpClient client)
    {
        foreach (var path in new[] { "/", "/Welcome?name=Ada", "/Welcome", "/error", "/no/such/page", "/products" })
        {
            (await client.GetAsync(path)).Dispose();
        }

        (await client.PostJsonAsync("/products", """{"name":"docs","price":1,"amount":1}""")).Dispose();

        // A body that is not JSON: the parser's exception is the first one dotnet_exceptions_total counts.
        (await client.PostJsonAsync("/products", "{")).Dispose();
        var samples = await MetricsScraper.ScrapeUntilAsync(
            client, s => MetricsScraper.Requests(s, "POST", "/products", 201) >= 1, "the requests made to be counted");
        Assert.NotEmpty(samples);
        return await client.GetStringAsync("/metrics");
    }

    // A backticked snake_case name with at least one underscore: a family, never a label value or an EMF metric.
    [GeneratedRegex("`(?<name>[a-z][a-z0-9]*(_[a-z0-9]+)+)`")]
    private static partial Regex Family();
}

public sealed class MetricsDocsTests
{
    [Fact]
    public async Task EveryExposedFamilyIsDocumentedAndEveryDocumentedOneIsExposed()
    {
        await using var factory = new PulseApiFactory();
        using var client = factory.CreateClient();

        var exposed = MetricsDocs.Exposed(await MetricsDocs.ScrapeAfterTrafficAsync(client));
        var documented = MetricsDocs.Documented(includeIntermittent: false).Where(name => !name.StartsWith(MetricsDocs.DatabasePrefix, StringComparison.Ordinal));

        Assert.Empty(exposed.Except(MetricsDocs.Documented()).Order(StringComparer.Ordinal));
        Assert.Empty(documented.Except(exposed).Order(StringComparer.Ordinal));
    }
}

[Postgres]
public sealed class PostgresMetricsDocsTests(PostgresApi api) : IClassFixture<PostgresApi>
{
    [DatabaseFact]
    public async Task EveryDatabaseFamilyExposedOnPostgresIsDocumentedAndEveryDocumentedOneIsExposed()
    {
        static bool Database(string name) => name.StartsWith(MetricsDocs.DatabasePrefix, StringComparison.Ordinal);
        var exposed = MetricsDocs.Exposed(await MetricsDocs.ScrapeAfterTrafficAsync(api.Client)).Where(Database).ToList();

        Assert.NotEmpty(exposed);
        Assert.Empty(exposed.Except(MetricsDocs.Documented().Where(Database)));
        Assert.Empty(MetricsDocs.Documented(includeIntermittent: false).Where(Database).Except(exposed));
    }
}
