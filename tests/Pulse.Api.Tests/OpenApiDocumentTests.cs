using System.Net;
using System.Text.Encodings.Web;
using System.Text.Json;
using System.Text.Json.Nodes;

namespace Pulse.Api.Tests;

/// <summary>The OpenAPI document at /openapi/v1.json, its committed copy docs/openapi.json, and Swagger UI on /docs.</summary>
public sealed class OpenApiDocumentTests(PulseApiFactory factory) : IClassFixture<PulseApiFactory>
{
    /// <summary>Set to 1 to rewrite docs/openapi.json from the service instead of comparing.</summary>
    public const string RefreshVariable = "PULSE_REFRESH_OPENAPI";

    private static readonly JsonSerializerOptions Indented = new() { WriteIndented = true, Encoder = JavaScriptEncoder.UnsafeRelaxedJsonEscaping };

    private readonly HttpClient _client = factory.CreateClient();

    [Fact]
    public async Task TheCommittedDocumentIsTheOneTheServiceServes()
    {
        var live = Normalize(await _client.GetStringAsync("/openapi/v1.json"));
        var path = Pulse.Testing.RepositoryRoot.Combine("docs", "openapi.json");
        if (Environment.GetEnvironmentVariable(RefreshVariable) == "1")
        {
            await File.WriteAllTextAsync(path, live);
        }

        var committed = File.Exists(path) ? (await File.ReadAllTextAsync(path)).ReplaceLineEndings("\n") : string.Empty;
        if (committed != live)
        {
            var committedLines = committed.Split('\n');
            var liveLines = live.Split('\n');
            var line = Enumerable.Range(0, Math.Max(committedLines.Length, liveLines.Length))
                .First(i => i >= committedLines.Length || i >= liveLines.Length || committedLines[i] != liveLines[i]);
            Assert.Fail(
                $"docs/openapi.json differs from the service's /openapi/v1.json, first at line {line + 1}:\n"
                + $"  committed: {committedLines.ElementAtOrDefault(line)?.Trim()}\n"
                + $"  service:   {liveLines.ElementAtOrDefault(line)?.Trim()}\n"
                + $"If the API change is intended, refresh the copy and commit it:\n"
                + $"  {RefreshVariable}=1 dotnet test tests/Pulse.Api.Tests --filter FullyQualifiedName~{nameof(OpenApiDocumentTests)}");
        }
    }

    [Fact]
    public async Task TheDocumentDescribesEveryOperationAndItsProblems()
    {
        var document = JsonNode.Parse(await _client.GetStringAsync("/openapi/v1.json"))!;

        var operations = document["paths"]!.AsObject()
            .SelectMany(path => path.Value!.AsObject().Select(operation => (Id: (string)operation.Value!["operationId"]!, Responses: operation.Value!["responses"]!.AsObject())))
            .ToDictionary(o => o.Id, o => o.Responses.Select(r => r.Key).ToHashSet());
        foreach (var resource in new[] { "Product", "Task" })
        {
            Assert.Superset(new HashSet<string> { "200", "400", "503" }, operations[$"List{resource}s"]);
            Assert.Superset(new HashSet<string> { "200", "304", "404", "503" }, operations[$"Get{resource}"]);
            Assert.Superset(new HashSet<string> { "201", "400", "409", "413", "415", "503", "507" }, operations[$"Create{resource}s"]);
            Assert.Superset(new HashSet<string> { "200", "400", "404", "412", "413", "415", "503", "507" }, operations[$"Update{resource}"]);
            Assert.Superset(new HashSet<string> { "204", "404", "412", "503", "507" }, operations[$"Delete{resource}"]);
        }

        var batch = document["paths"]!["/products"]!["post"]!["requestBody"]!["content"]!["application/json"]!["schema"]!["oneOf"]!.AsArray();
        Assert.Equal(1000, (int)batch[1]!["maxItems"]!);
        var price = document["components"]!["schemas"]!["ProductInput"]!["properties"]!["price"]!;
        Assert.Equal(("decimal", 0.01m), ((string)price["format"]!, (decimal)price["multipleOf"]!));
    }

    [Fact]
    public async Task SwaggerUiIsServedOnDocs()
    {
        using var response = await _client.GetAsync("/docs/index.html");

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.Equal("text/html", response.Content.Headers.ContentType?.MediaType);
        Assert.Contains("swagger-ui", await response.Content.ReadAsStringAsync(), StringComparison.Ordinal);
        var configuration = await _client.GetStringAsync("/docs/index.js");
        Assert.Contains("/openapi/v1.json", configuration, StringComparison.Ordinal);
    }

    private static string Normalize(string json) => JsonNode.Parse(json)!.ToJsonString(Indented).ReplaceLineEndings("\n") + "\n";
}
