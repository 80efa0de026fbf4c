using System.Text.Json;

namespace Pulse.LoadGen.Tests;

/// <summary>The crud and mixed scenarios against the service's CRUD API (products and tasks).</summary>
[Collection(SharedService.Name)]
public sealed class CrudTrafficTests(PulseService service)
{
    private string Url => service.Address.AbsoluteUri;

    [Fact]
    public async Task CrudLeavesNoRowsBehind()
    {
        var productsBefore = await ListIdsAsync("products");
        var tasksBefore = await ListIdsAsync("tasks");
        var json = LoadGen.TempJsonPath();

        var result = await LoadGen.RunAsync("--url", Url, "--scenario", "crud", "--duration", "2s", "--concurrency", "4", "--json", json);

        Assert.True(result.ExitCode == 0, result.ToString());
        var summary = LoadGen.ReadSummary(json);
        Assert.Equal(0, summary.GetProperty("overall").GetProperty("unexpected").GetInt64());
        var created = LoadGen.Count(summary, "POST", "/products");
        Assert.True(created > 0, "no product was created");
        Assert.Equal(created, LoadGen.Count(summary, "DELETE", "/products/{id}"));
        Assert.Equal(LoadGen.Count(summary, "POST", "/tasks"), LoadGen.Count(summary, "DELETE", "/tasks/{id}"));
        Assert.Equal(productsBefore, await ListIdsAsync("products"));
        Assert.Equal(tasksBefore, await ListIdsAsync("tasks"));
    }

    [Fact]
    public async Task CrudInterruptedByCtrlCStillDeletesEveryRowItCreated()
    {
        var productsBefore = await ListIdsAsync("products");
        var tasksBefore = await ListIdsAsync("tasks");

        var result = await LoadGen.InterruptAsync(
            sent: 50,
            "--url", Url, "--scenario", "crud", "--duration", "1h", "--rps", "100");

        Assert.True(result.ExitCode == 0, result.ToString());
        Assert.Contains("(stopped by interrupt)", result.Output, StringComparison.Ordinal);
        Assert.Equal(productsBefore, await ListIdsAsync("products"));
        Assert.Equal(tasksBefore, await ListIdsAsync("tasks"));
    }

    [Fact]
    public async Task MixedCountsPerEndpointEqualTheServicesRequestCounter()
    {
        var before = await service.RequestCountersAsync();
        var json = LoadGen.TempJsonPath();

        var result = await LoadGen.RunAsync("--url", Url, "--scenario", "mixed", "--duration", "2s", "--rps", "250", "--json", json);

        Assert.True(result.ExitCode == 0, result.ToString());
        var summary = LoadGen.ReadSummary(json);
        Assert.Contains("POST /products", LoadGen.Endpoints(summary));
        Assert.Contains("GET /Welcome", LoadGen.Endpoints(summary));
        await service.AssertCountedAsync(before, summary);
    }

    /// <summary>Every id in a collection, following the <c>next</c> links of the contract's cursor pagination.</summary>
    private async Task<List<long>> ListIdsAsync(string collection)
    {
        var ids = new List<long>();
        string? next = $"/{collection}?limit=500";
        for (var page = 0; next is not null; page++)
        {
            Assert.True(page < 100, $"more than 100 pages of {collection}");
            using var response = await service.Http.GetAsync(next);
            Assert.True(response.IsSuccessStatusCode, $"GET {next}: {(int)response.StatusCode} {await response.Content.ReadAsStringAsync()}");
            var body = await response.Content.ReadFromJsonAsync<JsonElement>();
            ids.AddRange(body.GetProperty("items").EnumerateArray().Select(item => item.GetProperty("id").GetInt64()));
            next = body.GetProperty("next").GetString();
        }

        ids.Sort();
        return ids;
    }
}
