using System.Net;
using System.Text.Json;
using OpenTelemetry.Metrics;
using Pulse.Telemetry;
using Pulse.Telemetry.Emf;
using Pulse.Telemetry.Hosting;
using Pulse.Telemetry.Schema;
using Pulse.Testing;
using Pulse.Testing.Emf;

namespace Pulse.Api.Tests.Emf;

/// <summary>The EMF output of the real service on a real Kestrel server, with stdout captured.</summary>
public sealed class EmfServiceTests
{
    private static readonly string[] ServiceSet = [EmfMetrics.Dimensions.Service];
    private static readonly string[] EndpointSet = [EmfMetrics.Dimensions.Service, EmfMetrics.Dimensions.Endpoint];

    [RequiresToolsFact("node", "npm")]
    public async Task BothModesOnTheSameRequestsAgreeOnCountSumMinMaxAndPercentiles()
    {
        var stdout = new CapturingWriter();
        var start = DateTimeOffset.UtcNow;
        int sent;
        string scrape;
        await using (var factory = Service(stdout).WithSetting("Telemetry:Emf:Mode", "PerRequest").WithServices(AlsoAggregated))
        {
            using var client = Start(factory);
            sent = await SendMixAsync(client, rounds: 60);
            scrape = await client.GetStringAsync("/metrics");
        }

        var documents = EmfStatistics.Parse(stdout.Lines);
        var perRequest = documents.Where(d => d.TryGetProperty(EmfMetrics.Properties.RequestId, out _)).ToList();
        var aggregated = documents.Except(perRequest).Where(d => !IsActiveRequestsOnly(d)).ToList();

        Assert.Equal(sent, perRequest.Count);
        EmfStatistics.AssertSameDistributions(perRequest, aggregated, EmfMetrics.Names.RequestLatencyMs, ServiceSet, EndpointSet);

        Assert.Equal(
            EmfStatistics.Sums(perRequest, EmfMetrics.Names.ErrorCount, EndpointSet),
            EmfStatistics.Sums(aggregated, EmfMetrics.Names.ErrorCount, EndpointSet));
        Assert.Equal(
            EmfStatistics.Sums(perRequest, EmfMetrics.Names.ServerErrorCount, ServiceSet),
            EmfStatistics.Sums(aggregated, EmfMetrics.Names.ServerErrorCount, ServiceSet));
        Assert.Equal(
            ["pulse-api|/", "pulse-api|/Welcome", "pulse-api|/error", "pulse-api|unmatched"],
            EmfStatistics.Sums(aggregated, EmfMetrics.Names.EndpointInvocations, EndpointSet).Keys.Order(StringComparer.Ordinal));

        // The extra tags reach the per-request documents and nothing else.
        Assert.DoesNotContain(HttpTags.RequestId.Replace('.', '_'), scrape, StringComparison.Ordinal);
        Assert.DoesNotContain(HttpTags.TraceId.Replace('.', '_'), scrape, StringComparison.Ordinal);
        Assert.Equal(sent, perRequest.Select(d => d.GetProperty(EmfMetrics.Properties.RequestId).GetString()).Distinct().Count());
        Assert.All(perRequest, d => Assert.Matches("^[0-9a-f]{32}$", d.GetProperty(EmfMetrics.Properties.TraceId).GetString()));
        var error = perRequest.First(d => d.GetProperty(EmfMetrics.Dimensions.Endpoint).GetString() == "/error");
        Assert.Equal(("GET", 500, 1, 1), (
            error.GetProperty(EmfMetrics.Properties.Method).GetString(), error.GetProperty(EmfMetrics.Properties.StatusCode).GetInt32(),
            error.GetProperty(EmfMetrics.Names.ErrorCount).GetInt32(), error.GetProperty(EmfMetrics.Names.ServerErrorCount).GetInt32()));

        AssertRules(stdout.Lines, start);
        await EmfSchema.AssertValidAsync(stdout.Lines);
    }

    [Fact]
    public async Task StoppingTheHostWritesThePartialIntervalSoTheCountsAddUpToTheRequestsServed()
    {
        var stdout = new CapturingWriter();
        var start = DateTimeOffset.UtcNow;
        int sent;
        await using (var factory = Service(stdout))
        {
            using var client = Start(factory);
            sent = await SendMixAsync(client, rounds: 25);

            // A one-minute interval: nothing is flushed before the stop, short of a minute boundary.
        }

        var documents = EmfStatistics.Parse(stdout.Lines);
        Assert.Equal(sent, EmfStatistics.Sums(documents, EmfMetrics.Names.RequestCount, ServiceSet).Values.Sum());
        Assert.Equal(sent, EmfStatistics.Sums(documents, EmfMetrics.Names.EndpointInvocations, EndpointSet).Values.Sum());
        Assert.Equal(sent, EmfStatistics.Distributions(documents, EmfMetrics.Names.RequestLatencyMs, ServiceSet).Values.Sum(d => d.Count));
        Assert.Equal(3 * 25, EmfStatistics.Sums(documents, EmfMetrics.Names.ErrorCount, ServiceSet).Values.Sum()); // 400, 404 and 500
        Assert.Equal(25, EmfStatistics.Sums(documents, EmfMetrics.Names.ServerErrorCount, ServiceSet).Values.Sum());
        AssertRules(stdout.Lines, start);
    }

    [Fact]
    public async Task ARequestStillRunningWhenTheHostBeginsToStopIsCounted()
    {
        var stdout = new CapturingWriter();
        var release = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        var started = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        var factory = Service(stdout).WithServices(services => services.AddSingleton<IStartupFilter>(new SlowPath(started, release)));
        using var client = Start(factory);
        var sent = await SendMixAsync(client, rounds: 3);

        // A client of its own: the factory disposes the clients it made before it stops the host.
        using var own = new HttpClient { BaseAddress = client.BaseAddress };
        var slow = own.GetAsync("/slow");
        await started.Task.WaitAsync(TimeSpan.FromSeconds(10));
        var stopping = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        factory.Services.GetRequiredService<IHostApplicationLifetime>().ApplicationStopping.Register(() => stopping.TrySetResult());
        var stop = factory.DisposeAsync().AsTask();
        await stopping.Task.WaitAsync(TimeSpan.FromSeconds(10));
        release.SetResult();
        using (var response = await slow.WaitAsync(TimeSpan.FromSeconds(10)))
        {
            Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        }

        await stop.WaitAsync(TimeSpan.FromSeconds(30));

        var documents = EmfStatistics.Parse(stdout.Lines);
        Assert.Equal(sent + 1, EmfStatistics.Sums(documents, EmfMetrics.Names.RequestCount, ServiceSet).Values.Sum());
    }

    [Fact]
    public async Task WhenStdoutStallsRequestsCarryOnAndDroppedDocumentsAreCounted()
    {
        using var stdout = new CapturingWriter();
        stdout.Stall();
        const int requests = 100;
        await using var factory = Service(stdout)
            .WithSetting("Telemetry:Emf:Mode", "PerRequest")
            .WithSetting("Telemetry:Emf:QueueCapacity", "16");
        using var client = Start(factory);
        client.Timeout = TimeSpan.FromSeconds(10);

        for (var i = 0; i < requests; i++)
        {
            using var response = await client.GetAsync("/");
            Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        }

        // One document is stuck in the write call, 16 wait in the queue (the last requests are measured just
        // after their responses, hence the wait), the rest are dropped.
        var output = factory.Services.GetRequiredKeyedService<EmfOutput>(Microsoft.Extensions.Options.Options.DefaultName);
        await Wait.UntilAsync(() => output.Dropped >= requests - 17, TimeSpan.FromSeconds(10), "every request's document to be queued or dropped");
        var samples = PrometheusText.Parse(await client.GetStringAsync("/metrics"));
        var dropped = PrometheusText.Sum(samples, PulseMetrics.Emf.DocumentsDropped);
        Assert.InRange(dropped, requests - 17, requests - 16);
        Assert.Equal(0, PrometheusText.Sum(samples, PulseMetrics.Emf.DocumentsWritten));
        Assert.Equal(1, stdout.BlockedWriters);

        stdout.Resume();
        await Wait.UntilAsync(() => output.Written + output.Dropped == requests, TimeSpan.FromSeconds(10), "the queued documents to be written");
        Assert.Equal(requests - dropped, stdout.Lines.Count);
    }

    [Fact]
    public async Task OnEcsEveryDocumentCarriesTheTaskIdentity()
    {
        using var metadata = FakeMetadataEndpoint.Start(HttpStatusCode.OK, FakeMetadataEndpoint.TaskJson);
        var stdout = new CapturingWriter();
        await using (var factory = Service(stdout).WithSetting(EmfMetrics.EcsMetadataVariable, metadata.BaseUri))
        {
            using var client = Start(factory);
            await SendMixAsync(client, rounds: 2);
        }

        var documents = EmfStatistics.Parse(stdout.Lines);
        Assert.NotEmpty(documents);
        Assert.All(documents, d =>
        {
            Assert.Equal("arn:aws:ecs:eu-central-1:123456789012:task/pulse/0123456789abcdef", d.GetProperty(EmfMetrics.Properties.TaskArn).GetString());
            Assert.Equal("arn:aws:ecs:eu-central-1:123456789012:cluster/pulse", d.GetProperty(EmfMetrics.Properties.Cluster).GetString());
            Assert.Equal("eu-central-1a", d.GetProperty(EmfMetrics.Properties.AvailabilityZone).GetString());
        });
        Assert.Single(metadata.Paths);
    }

    [Fact]
    public async Task NamespaceAndServiceComeFromTheAwsEmfEnvironmentVariables()
    {
        var stdout = new CapturingWriter();
        await using (var factory = Service(stdout)
            .WithSetting(EmfMetrics.NamespaceVariable, "Shop/Checkout")
            .WithSetting(EmfMetrics.ServiceNameVariable, "checkout-api"))
        {
            using var client = Start(factory);
            await client.GetAsync("/");
        }

        var documents = EmfStatistics.Parse(stdout.Lines);
        Assert.All(documents, d => Assert.Equal("checkout-api", d.GetProperty(EmfMetrics.Dimensions.Service).GetString()));
        Assert.All(documents, d => Assert.All(
            d.GetProperty("_aws").GetProperty("CloudWatchMetrics").EnumerateArray(),
            directive => Assert.Equal("Shop/Checkout", directive.GetProperty("Namespace").GetString())));
    }

    [Fact]
    public async Task WithEmfOffNothingIsWritten()
    {
        var stdout = new CapturingWriter();
        await using (var factory = Service(stdout).WithSetting("Telemetry:Emf:Enabled", "false"))
        {
            using var client = Start(factory);
            await client.GetAsync("/");
            Assert.Null(factory.Services.GetKeyedService<EmfOutput>(Microsoft.Extensions.Options.Options.DefaultName));
        }

        Assert.Empty(stdout.Writes);
    }

    private static PulseApiFactory Service(CapturingWriter stdout) => new PulseApiFactory()
        .WithSetting("urls", $"http://127.0.0.1:{FreePort.Next()}")
        .WithServices(services => services.AddSingleton(new EmfTarget(() => stdout)));

    private static HttpClient Start(PulseApiFactory factory)
    {
        factory.UseKestrel();
        factory.StartServer();
        return factory.CreateClient();
    }

    /// <summary>
    /// A second EMF exporter, in Aggregated mode, on the same host, added as any application adds one to its
    /// MeterProvider, so that both modes see the same requests.
    /// </summary>
    private static void AlsoAggregated(IServiceCollection services) =>
        services.ConfigureOpenTelemetryMeterProvider(metrics => metrics.AddPulseEmf("aggregated", emf => emf.Mode = EmfMode.Aggregated));

    /// <summary>Per round: 200 on two routes, 400, 500 and an unmatched 404, some of them concurrently.</summary>
    private static async Task<int> SendMixAsync(HttpClient client, int rounds)
    {
        string[] paths = ["/", "/Welcome?name=Ada", "/Welcome", "/error", "/no/such/page"];
        for (var round = 0; round < rounds; round++)
        {
            var responses = await Task.WhenAll(paths.Select(client.GetAsync));
            foreach (var response in responses)
            {
                response.Dispose();
            }
        }

        return rounds * paths.Length;
    }

    /// <summary>Serves <c>/slow</c> only when released, so that a request is still running when the host is told to stop.</summary>
    private sealed class SlowPath(TaskCompletionSource started, TaskCompletionSource release) : IStartupFilter
    {
        public Action<IApplicationBuilder> Configure(Action<IApplicationBuilder> next) => app =>
        {
            app.Use(async (context, nextMiddleware) =>
            {
                if (context.Request.Path != "/slow")
                {
                    await nextMiddleware(context);
                    return;
                }

                started.TrySetResult();
                await release.Task;
                context.Response.StatusCode = StatusCodes.Status200OK;
            });
            next(app);
        };
    }

    private static bool IsActiveRequestsOnly(JsonElement document) =>
        document.TryGetProperty(EmfMetrics.Names.ActiveRequests, out _) && !document.TryGetProperty(EmfMetrics.Names.RequestCount, out _);

    private static void AssertRules(IReadOnlyList<string> lines, DateTimeOffset start)
    {
        Assert.NotEmpty(lines);
        var now = DateTimeOffset.UtcNow;
        Assert.All(lines, line => Assert.Empty(EmfRules.Check(line, now, (start.AddMinutes(-1), now.AddSeconds(1)))));
    }
}
