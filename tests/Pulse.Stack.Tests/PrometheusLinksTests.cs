using System.Net;
using System.Text.RegularExpressions;
using Pulse.Testing;

namespace Pulse.Stack.Tests;

/// <summary>
/// The Prometheus addresses the docs give open on the Prometheus the tests run (Debian's package, classic UI
/// only). Pages of the new UI, which only upstream builds serve, are given together with their classic
/// address, so that a reader of either build has one that works.
/// </summary>
public sealed partial class PrometheusLinksTests
{
    private const string DocumentedBase = "http://localhost:9090";

    /// <summary>Pages only the new UI serves (upstream builds, the compose image); Debian's has them under /classic.</summary>
    private static readonly HashSet<string> NewUiPages = ["/graph", "/alerts", "/targets", "/rules"];

    [RequiresToolsFact("prometheus")]
    public async Task EveryPrometheusAddressInTheDocsOpensOrHasAClassicTwinThatDoes()
    {
        var documents = Directory.GetFiles(Repository.PathOf("docs"), "*.md").Append(Repository.PathOf("README.md"))
            .ToDictionary(path => Path.GetRelativePath(Repository.Root, path), File.ReadAllText);
        var links = documents
            .SelectMany(d => Links().Matches(d.Value).Select(m => (Document: d.Key, Path: m.Groups["path"].Value.TrimEnd('.', ',', ';', ')'))))
            .Distinct()
            .ToList();
        Assert.Contains(links, l => l.Path.StartsWith("/classic/", StringComparison.Ordinal));
        var config = Path.Combine(Directory.CreateTempSubdirectory("pulse-links-").FullName, "prometheus.yml");
        await File.WriteAllTextAsync(config, "global:\n  scrape_interval: 15s\n");
        await using var prometheus = await PrometheusServer.StartAsync(config);
        using var http = new HttpClient { BaseAddress = prometheus.Address, Timeout = TimeSpan.FromSeconds(10) };

        foreach (var (document, path) in links)
        {
            if (NewUiPages.Contains(path))
            {
                Assert.Contains($"{DocumentedBase}/classic{path}", documents[document], StringComparison.Ordinal);
                continue;
            }

            using var response = await http.GetAsync(path.Length == 0 ? "/" : path);
            Assert.True(response.StatusCode == HttpStatusCode.OK, $"{document}: {DocumentedBase}{path} answers {(int)response.StatusCode}");
        }
    }

    [GeneratedRegex(@"http://localhost:9090(?<path>[^\s)`|]*)")]
    private static partial Regex Links();
}
