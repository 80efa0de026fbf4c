using System.Net;
using System.Text.Json;
using Microsoft.Extensions.Diagnostics.HealthChecks;
using Pulse.Api.Health;

namespace Pulse.Api.Tests;

public sealed class HealthEndpointsTests
{
    [Theory]
    [InlineData("/health/live")]
    [InlineData("/health/ready")]
    [InlineData("/health")]
    public async Task HealthyServiceAnswers200WithAJsonReport(string path)
    {
        await using var factory = new PulseApiFactory();
        using var response = await factory.CreateClient().GetAsync(path);

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        var report = await response.Content.ReadFromJsonAsync<JsonElement>();
        Assert.Equal("Healthy", report.GetProperty("status").GetString());
        Assert.True(report.GetProperty("totalDurationMs").GetDouble() >= 0);
        Assert.Equal("no-store, no-cache", response.Headers.CacheControl?.ToString());
    }

    [Fact]
    public async Task FullReportNamesEachCheckWithStatusAndDuration()
    {
        await using var factory = new PulseApiFactory();
        var report = await factory.CreateClient().GetFromJsonAsync<JsonElement>("/health");

        var self = report.GetProperty("checks").EnumerateArray().Single(c => c.GetProperty("name").GetString() == "self");
        Assert.Equal("Healthy", self.GetProperty("status").GetString());
        Assert.True(self.GetProperty("durationMs").GetDouble() >= 0);
        Assert.Contains("live", self.GetProperty("tags").EnumerateArray().Select(t => t.GetString()));
    }

    [Fact]
    public async Task FailingReadinessCheckMakesReadyAndFullReport503WhileLiveStays200()
    {
        await using var factory = new PulseApiFactory().WithServices(services =>
            services.AddHealthChecks().AddCheck("dependency", () => HealthCheckResult.Unhealthy("down for the test"), tags: [HealthApi.ReadyTag]));
        var client = factory.CreateClient();

        using var live = await client.GetAsync("/health/live");
        using var ready = await client.GetAsync("/health/ready");
        using var full = await client.GetAsync("/health");

        Assert.Equal(HttpStatusCode.OK, live.StatusCode);
        Assert.Equal(HttpStatusCode.ServiceUnavailable, ready.StatusCode);
        Assert.Equal(HttpStatusCode.ServiceUnavailable, full.StatusCode);
        var report = await full.Content.ReadFromJsonAsync<JsonElement>();
        Assert.Equal("Unhealthy", report.GetProperty("status").GetString());
        var dependency = report.GetProperty("checks").EnumerateArray().Single(c => c.GetProperty("name").GetString() == "dependency");
        Assert.Equal("down for the test", dependency.GetProperty("description").GetString());
    }
}
