using System.Collections.Concurrent;
using System.Diagnostics;
using System.Net;
using OpenTelemetry.Trace;
using Pulse.Api.Tests.Infrastructure;
using Pulse.Testing;

namespace Pulse.Api.Tests.Tracing;

/// <summary>
/// The service on a real loopback port, tracing to a stand-in OTLP collector (<see cref="OtlpTraceReceiver"/>):
/// server spans, W3C trace context, parent-based sampling, database spans, and nothing at all when tracing is off.
/// </summary>
[Collection(TracedInProcess.Name)]
public sealed class TracingTests
{
    private const string AspNetCoreSource = "Microsoft.AspNetCore";

    [Fact]
    public async Task ServerSpansReachTheOtlpEndpointWithRouteMethodAndStatus()
    {
        await using var receiver = await OtlpTraceReceiver.StartAsync();
        await using var server = StartTraced(receiver);

        (await server.Client.GetAsync("/Welcome?name=Span")).Dispose();
        using (var missing = await server.Client.GetAsync("/products/999999"))
        {
            Assert.Equal(HttpStatusCode.NotFound, missing.StatusCode);
        }

        var welcome = await receiver.WaitForSpanAsync(s => s.Attribute("http.route") == "/Welcome", what: "the /Welcome server span");
        var product = await receiver.WaitForSpanAsync(s => s.Attribute("http.route") == "/products/{id}", what: "the /products/{id} server span");

        Assert.Equal((ActivityKind.Server, "GET /Welcome", "GET", "200"), (welcome.Kind, welcome.Name, welcome.Attribute("http.request.method"), welcome.Attribute("http.response.status_code")));
        Assert.Equal(("GET /products/{id}", "404"), (product.Name, product.Attribute("http.response.status_code")));
        Assert.Equal(("pulse-api", AspNetCoreSource), (welcome.ServiceName, welcome.ScopeName));
        Assert.Null(welcome.ParentSpanId);
        Assert.NotEqual(welcome.TraceId, product.TraceId);
    }

    [Fact]
    public async Task ScrapesAndTheReceiversOwnRequestsAreNotTraced()
    {
        await using var receiver = await OtlpTraceReceiver.StartAsync();
        await using var server = StartTraced(receiver);

        (await server.Client.GetAsync("/metrics")).Dispose();
        (await server.Client.GetAsync("/Welcome?name=First")).Dispose();
        await receiver.WaitForSpanAsync(s => s.Attribute("http.route") == "/Welcome", what: "the /Welcome server span");
        (await server.Client.GetAsync("/Welcome?name=Second")).Dispose();

        // Spans are exported in the order they end: the second request's span comes after the first export.
        await receiver.WaitForSpansAsync(s => s.Attribute("http.route") == "/Welcome", count: 2, what: "both /Welcome server spans");
        Assert.True(receiver.ExportRequests >= 2, $"{receiver.ExportRequests} exports");
        Assert.DoesNotContain(receiver.Spans, s => s.Attribute("url.path") is "/metrics" or "/v1/traces");
    }

    [Fact]
    public async Task ARequestWithATraceparentContinuesThatTrace()
    {
        await using var receiver = await OtlpTraceReceiver.StartAsync();
        await using var server = StartTraced(receiver);
        var (traceId, parentId) = (ActivityTraceId.CreateRandom().ToHexString(), ActivitySpanId.CreateRandom().ToHexString());

        (await SendAsync(server.Client, "/Welcome?name=Child", $"00-{traceId}-{parentId}-01")).Dispose();

        var span = await receiver.WaitForSpanAsync(s => s.TraceId == traceId, what: "the span of the caller's trace");
        Assert.Equal((ActivityKind.Server, parentId, "/Welcome"), (span.Kind, span.ParentSpanId, span.Attribute("http.route")));
    }

    [Fact]
    public async Task AtRatioZeroANewTraceIsDroppedWhileASampledCallersDecisionIsFollowed()
    {
        await using var receiver = await OtlpTraceReceiver.StartAsync();
        await using var server = StartTraced(receiver, ("Telemetry:Tracing:SamplingRatio", "0"));
        var sampled = ActivityTraceId.CreateRandom().ToHexString();

        for (var i = 0; i < 20; i++)
        {
            (await server.Client.GetAsync($"/Welcome?name=Root{i}")).Dispose();
        }

        (await SendAsync(server.Client, "/", $"00-{sampled}-{ActivitySpanId.CreateRandom().ToHexString()}-01")).Dispose();

        // The sampled request came last: once its span is in, the batches before it are in too.
        await receiver.WaitForSpanAsync(s => s.TraceId == sampled, what: "the span of the sampled caller's trace");
        Assert.All(receiver.Spans, s => Assert.Equal(sampled, s.TraceId));
    }

    [Fact]
    public async Task AtRatioOneACallersDecisionNotToSampleIsFollowed()
    {
        await using var receiver = await OtlpTraceReceiver.StartAsync();
        await using var server = StartTraced(receiver);
        var (unsampled, sampled) = (ActivityTraceId.CreateRandom().ToHexString(), ActivityTraceId.CreateRandom().ToHexString());

        (await SendAsync(server.Client, "/Welcome?name=NotSampled", $"00-{unsampled}-{ActivitySpanId.CreateRandom().ToHexString()}-00")).Dispose();
        (await SendAsync(server.Client, "/", $"00-{sampled}-{ActivitySpanId.CreateRandom().ToHexString()}-01")).Dispose();

        await receiver.WaitForSpanAsync(s => s.TraceId == sampled, what: "the span of the sampled caller's trace");
        Assert.DoesNotContain(receiver.Spans, s => s.TraceId == unsampled);
    }

    [Fact]
    public async Task ASqliteRequestYieldsADatabaseSpanChildOfTheServerSpan()
    {
        await using var receiver = await OtlpTraceReceiver.StartAsync();
        await using var server = StartTraced(receiver);

        await AssertDatabaseSpanUnderRequestAsync(server, receiver, "OpenTelemetry.Instrumentation.EntityFrameworkCore", "sqlite");
    }

    [SharedPostgresFact]
    public async Task APostgresRequestYieldsAnNpgsqlSpanChildOfTheServerSpan()
    {
        await using var database = await TestDatabases.CreatePostgresAsync();
        await using var receiver = await OtlpTraceReceiver.StartAsync();
        await using var server = StartTraced(receiver, ("Database:Provider", "Postgres"), ("ConnectionStrings:Postgres", database.ConnectionString));

        var span = await AssertDatabaseSpanUnderRequestAsync(server, receiver, "Npgsql", "postgresql");

        // One span per command: EF Core's instrumentation leaves PostgreSQL to Npgsql.
        Assert.DoesNotContain(receiver.Spans, s => s.TraceId == span.TraceId && s.ScopeName != "Npgsql" && s.Kind == ActivityKind.Client);
    }

    [Theory]
    [InlineData("Telemetry:Tracing:Enabled", "false")]
    [InlineData("Telemetry:Enabled", "false")]
    [InlineData(null, null)]
    public async Task WithoutTracingNothingListensAndOnlyAspNetCoresOwnUnrecordedActivityRemains(string? key, string? value)
    {
        await using var receiver = await OtlpTraceReceiver.StartAsync();
        var seen = new ConcurrentQueue<(string Source, bool Recorded, string TraceId)>();
        await using var server = LoopbackServer.Start(factory =>
        {
            factory.WithSetting("OTEL_BSP_SCHEDULE_DELAY", "100")
                .WithServices(services => services.AddSingleton<IStartupFilter>(new ActivityProbe(seen)));
            if (key is not null)
            {
                // Tracing is configured to go to the receiver, and then turned off.
                factory.WithSetting("Telemetry:Otlp:Endpoint", receiver.Endpoint.ToString()).WithSetting(key, value);
            }
        });

        (await server.Client.GetAsync("/Welcome?name=Off")).Dispose();
        (await server.Client.GetAsync("/products")).Dispose();

        Assert.Null(server.Factory.Services.GetService<TracerProvider>());
        using (var probe = new ActivitySource(AspNetCoreSource))
        {
            Assert.False(probe.HasListeners(), "something listens to ASP.NET Core's activity source");
        }

        using (var npgsql = new ActivitySource("Npgsql"))
        {
            Assert.False(npgsql.HasListeners(), "something listens to Npgsql's activity source");
        }

        // ASP.NET Core still starts an activity of its own per request (no source, never recorded): it carries the
        // W3C context of an incoming traceparent and the ids that log lines and EMF documents show.
        Assert.Equal(2, seen.Count);
        Assert.All(seen, activity => Assert.Equal((string.Empty, false), (activity.Source, activity.Recorded)));
        Assert.All(seen, activity => Assert.Matches("^[0-9a-f]{32}$", activity.TraceId));
        Assert.Equal(0, receiver.ExportRequests);
    }

    /// <summary>Starts the service tracing to <paramref name="receiver"/> through Pulse's own endpoint setting, with short batch delays.</summary>
    internal static LoopbackServer StartTraced(OtlpTraceReceiver receiver, params (string Key, string Value)[] settings) =>
        LoopbackServer.Start(factory =>
        {
            factory.WithSetting("Telemetry:Otlp:Endpoint", receiver.Endpoint.ToString()).WithSetting("OTEL_BSP_SCHEDULE_DELAY", "100");
            foreach (var (key, value) in settings)
            {
                factory.WithSetting(key, value);
            }
        });

    private static Task<HttpResponseMessage> SendAsync(HttpClient client, string path, string traceparent)
    {
        var request = new HttpRequestMessage(HttpMethod.Get, path);
        request.Headers.Add("traceparent", traceparent);
        return client.SendAsync(request);
    }

    /// <summary>Lists products and finds the list's server span and a database span of the given scope beneath it.</summary>
    private static async Task<ReceivedSpan> AssertDatabaseSpanUnderRequestAsync(LoopbackServer server, OtlpTraceReceiver receiver, string scope, string system)
    {
        using (var list = await server.Client.GetAsync("/products"))
        {
            Assert.Equal(HttpStatusCode.OK, list.StatusCode);
        }

        var request = await receiver.WaitForSpanAsync(s => s.Kind == ActivityKind.Server && s.Attribute("http.route") == "/products", what: "the /products server span");
        var query = await receiver.WaitForSpanAsync(
            s => s.ParentSpanId == request.SpanId && s.ScopeName == scope,
            what: $"a {scope} span under the /products span");

        Assert.Equal((request.TraceId, ActivityKind.Client), (query.TraceId, query.Kind));
        Assert.Equal(system, query.Attribute("db.system.name") ?? query.Attribute("db.system"));
        Assert.InRange(query.Start, request.Start, request.End);
        return query;
    }

    /// <summary>Records, for every request, the activity current when the pipeline starts.</summary>
    private sealed class ActivityProbe(ConcurrentQueue<(string Source, bool Recorded, string TraceId)> seen) : IStartupFilter
    {
        public Action<IApplicationBuilder> Configure(Action<IApplicationBuilder> next) => app =>
        {
            app.Use((context, following) =>
            {
                var activity = Activity.Current;
                seen.Enqueue(activity is null
                    ? ("(none)", false, string.Empty)
                    : (activity.Source.Name, activity.Recorded, activity.TraceId.ToHexString()));
                return following(context);
            });
            next(app);
        };
    }
}
