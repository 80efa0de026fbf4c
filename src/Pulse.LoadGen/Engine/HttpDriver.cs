using System.Buffers;
using System.Collections.Concurrent;
using System.Diagnostics;
using System.Net;
using System.Runtime.CompilerServices;
using Pulse.LoadGen.Measurement;

namespace Pulse.LoadGen.Engine;

/// <summary>What came back for one request.</summary>
internal readonly record struct Exchange(Outcome Outcome, int StatusCode, byte[]? Body, string? ETag, Uri? Location, string? Failure)
{
    public bool IsResponse => Outcome == Outcome.Response;
}

/// <summary>
/// Sends requests and records them. One <see cref="SocketsHttpHandler"/> behind an <see cref="HttpMessageInvoker"/>
/// (no <see cref="HttpClient"/> layer: its per-request timeout source and buffering are done here, cheaper),
/// with as many connections as the run needs. Latency runs from the intended send time to the last byte
/// of the body.
/// </summary>
internal sealed class HttpDriver : IDisposable
{
    private const int DrainBufferSize = 16 * 1024;

    private readonly HttpMessageInvoker _invoker;
    private readonly RunStats _stats;
    private readonly TimeSpan _timeout;
    private readonly CancellationToken _aborted;
    private readonly ConcurrentQueue<CancellationTokenSource> _timeoutSources = new();

    public HttpDriver(RunStats stats, TimeSpan timeout, int maxConnections, CancellationToken aborted)
    {
        _stats = stats;
        _timeout = timeout;
        _aborted = aborted;
        var handler = new SocketsHttpHandler
        {
            MaxConnectionsPerServer = maxConnections,
            ConnectTimeout = timeout,
            PooledConnectionLifetime = Timeout.InfiniteTimeSpan,
            PooledConnectionIdleTimeout = TimeSpan.FromMinutes(2),
            AllowAutoRedirect = false,
            AutomaticDecompression = DecompressionMethods.None,
            UseCookies = false,
            UseProxy = false,
            // No traceparent header and no diagnostics wrapper: the generator is not part of the traces.
            ActivityHeadersPropagator = null,
        };
        _invoker = new HttpMessageInvoker(handler, disposeHandler: true);
    }

    public RunStats Stats => _stats;

    /// <summary>Sends a body-less request built once and records it (allocation-free apart from the request and response messages).</summary>
    [AsyncMethodBuilder(typeof(PoolingAsyncValueTaskMethodBuilder))]
    public async ValueTask SendAsync(RequestTemplate template, long intendedTimestamp)
    {
        var endpoint = _stats.Endpoints[template.Endpoint];
        _stats.CountSent();
        var timeout = RentTimeout();
        var outcome = Outcome.Response;
        var status = 0;
        string? failure = null;
        try
        {
            using var request = new HttpRequestMessage(template.Method, template.Uri);
            using var response = await _invoker.SendAsync(request, timeout.Token).ConfigureAwait(false);
            status = (int)response.StatusCode;
            await DrainAsync(response.Content, timeout.Token).ConfigureAwait(false);
        }
        catch (Exception ex) when (Classify(ex, out outcome, out failure))
        {
        }
        finally
        {
            ReturnTimeout(timeout);
        }

        var latency = Clock.ToNanoseconds(Stopwatch.GetTimestamp() - intendedTimestamp);
        if (outcome == Outcome.Response)
        {
            var expected = status == template.ExpectedStatus;
            endpoint.RecordResponse(status, latency, expected);
            if (!expected)
            {
                _stats.NoteFailure(string.Create(System.Globalization.CultureInfo.InvariantCulture, $"{endpoint.Key}: expected {template.ExpectedStatus}, got {status}"));
            }
        }
        else
        {
            RecordFailure(endpoint, outcome, failure);
        }
    }

    /// <summary>
    /// Sends a request and returns what came back without recording it, so the caller can check the body
    /// first and then call <see cref="Record"/>. The request is disposed here.
    /// </summary>
    public async Task<(Exchange Exchange, long LatencyNanoseconds)> ExchangeAsync(HttpRequestMessage request, long intendedTimestamp)
    {
        ArgumentNullException.ThrowIfNull(request);
        _stats.CountSent();
        var timeout = RentTimeout();
        Exchange exchange;
        try
        {
            using (request)
            {
                using var response = await _invoker.SendAsync(request, timeout.Token).ConfigureAwait(false);
                var body = await response.Content.ReadAsByteArrayAsync(timeout.Token).ConfigureAwait(false);
                var location = response.Headers.Location;
                if (location is not null && !location.IsAbsoluteUri)
                {
                    location = new Uri(request.RequestUri!, location);
                }

                exchange = new Exchange(Outcome.Response, (int)response.StatusCode, body, response.Headers.ETag?.ToString(), location, null);
            }
        }
        catch (Exception ex) when (Classify(ex, out var outcome, out var failure))
        {
            exchange = new Exchange(outcome, 0, null, null, null, failure);
        }
        finally
        {
            ReturnTimeout(timeout);
        }

        return (exchange, Clock.ToNanoseconds(Stopwatch.GetTimestamp() - intendedTimestamp));
    }

    /// <summary>Records an exchange after the caller judged it; <paramref name="failure"/> says what was wrong when it was not expected.</summary>
    public void Record(int endpointIndex, in Exchange exchange, long latencyNanoseconds, bool expected, string? failure)
    {
        var endpoint = _stats.Endpoints[endpointIndex];
        if (exchange.IsResponse)
        {
            endpoint.RecordResponse(exchange.StatusCode, latencyNanoseconds, expected);
            if (!expected)
            {
                _stats.NoteFailure($"{endpoint.Key}: {failure ?? "unexpected answer"}");
            }
        }
        else
        {
            RecordFailure(endpoint, exchange.Outcome, exchange.Failure);
        }
    }

    public void Dispose()
    {
        _invoker.Dispose();
        while (_timeoutSources.TryDequeue(out var source))
        {
            source.Dispose();
        }
    }

    private void RecordFailure(EndpointStats endpoint, Outcome outcome, string? failure)
    {
        endpoint.RecordFailure(outcome);
        if (outcome != Outcome.Cancelled)
        {
            _stats.NoteFailure($"{endpoint.Key}: {failure}");
        }
    }

    private bool Classify(Exception exception, out Outcome outcome, out string? failure)
    {
        switch (exception)
        {
            case OperationCanceledException when _aborted.IsCancellationRequested:
                outcome = Outcome.Cancelled;
                failure = null;
                return true;
            case OperationCanceledException:
                outcome = Outcome.Timeout;
                failure = $"timed out (--timeout {Durations.Format(_timeout)})";
                return true;
            case HttpRequestException http:
                outcome = Outcome.ConnectionError;
                failure = $"connection error ({http.HttpRequestError}): {http.InnerException?.Message ?? http.Message}";
                return true;
            case IOException io:
                outcome = Outcome.ConnectionError;
                failure = $"connection error: {io.Message}";
                return true;
            default:
                // Anything else the stack throws still ends this one request, not the run.
                outcome = Outcome.ConnectionError;
                failure = $"{exception.GetType().Name}: {exception.Message}";
                return true;
        }
    }

    private static async ValueTask DrainAsync(HttpContent content, CancellationToken cancellationToken)
    {
        var buffer = ArrayPool<byte>.Shared.Rent(DrainBufferSize);
        try
        {
            var stream = await content.ReadAsStreamAsync(cancellationToken).ConfigureAwait(false);
            while (await stream.ReadAsync(buffer.AsMemory(), cancellationToken).ConfigureAwait(false) > 0)
            {
            }
        }
        finally
        {
            ArrayPool<byte>.Shared.Return(buffer);
        }
    }

    /// <summary>
    /// A per-request timeout without a new source per request: sources are linked once to the abort token,
    /// armed with <see cref="CancellationTokenSource.CancelAfter(TimeSpan)"/> and reset for reuse
    /// (<see cref="CancellationTokenSource.TryReset"/>) unless they fired.
    /// </summary>
    private CancellationTokenSource RentTimeout()
    {
        if (!_timeoutSources.TryDequeue(out var source))
        {
            source = CancellationTokenSource.CreateLinkedTokenSource(_aborted);
        }

        source.CancelAfter(_timeout);
        return source;
    }

    private void ReturnTimeout(CancellationTokenSource source)
    {
        if (source.TryReset())
        {
            _timeoutSources.Enqueue(source);
        }
        else
        {
            source.Dispose();
        }
    }
}
