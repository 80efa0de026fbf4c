using System.IO.Compression;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.Primitives;
using Microsoft.Net.Http.Headers;

namespace Pulse.Telemetry.Prometheus;

/// <summary>
/// Answers a scrape: negotiates the format from <c>Accept</c> (0.0.4 text, OpenMetrics 1.0.0 or protobuf) and
/// compresses when <c>Accept-Encoding</c> allows gzip.
/// </summary>
internal sealed class PrometheusEndpoint(PrometheusScraper scraper)
{
    public const string TextContentType = "text/plain; version=0.0.4; charset=utf-8";
    public const string OpenMetricsContentType = "application/openmetrics-text; version=1.0.0; charset=utf-8";
    public const string ProtobufContentType = "application/vnd.google.protobuf; proto=io.prometheus.client.MetricFamily; encoding=delimited";
    private const string ProtobufMediaType = "application/vnd.google.protobuf";

    public async Task HandleAsync(HttpContext context)
    {
        var request = context.Request;
        var response = context.Response;
        if (!HttpMethods.IsGet(request.Method) && !HttpMethods.IsHead(request.Method))
        {
            response.StatusCode = StatusCodes.Status405MethodNotAllowed;
            response.Headers.Allow = "GET, HEAD";
            return;
        }

        var format = Negotiate(request.Headers.Accept);
        var scrape = await scraper.ScrapeAsync(format, context.RequestAborted);
        if (scrape is null)
        {
            response.StatusCode = StatusCodes.Status503ServiceUnavailable;
            return;
        }

        response.ContentType = format switch
        {
            ExpositionFormat.Protobuf => ProtobufContentType,
            ExpositionFormat.OpenMetrics => OpenMetricsContentType,
            _ => TextContentType,
        };
        response.Headers.CacheControl = "no-store";
        response.Headers.Vary = "Accept, Accept-Encoding";
        if (HttpMethods.IsHead(request.Method))
        {
            return;
        }

        if (AcceptsGzip(request.Headers.AcceptEncoding))
        {
            response.Headers.ContentEncoding = "gzip";
            var gzip = new GZipStream(response.Body, CompressionLevel.Fastest, leaveOpen: true);
            await using (gzip.ConfigureAwait(false))
            {
                await gzip.WriteAsync(scrape.Body, context.RequestAborted);
            }

            return;
        }

        response.ContentLength = scrape.Body.Length;
        await response.Body.WriteAsync(scrape.Body, context.RequestAborted);
    }

    /// <summary>
    /// The format the client ranks highest (RFC 9110 §12.5.1 quality values): protobuf only when asked for by its
    /// full media type (<c>proto=io.prometheus.client.MetricFamily</c>, <c>encoding=delimited</c>), OpenMetrics
    /// 1.0.0, else the 0.0.4 text format, which <c>*/*</c>, <c>text/*</c> and anything unparsable get. On equal
    /// quality protobuf comes first, then OpenMetrics: Prometheus lists them in that order when it wants them.
    /// </summary>
    internal static ExpositionFormat Negotiate(StringValues accept)
    {
        if (!MediaTypeHeaderValue.TryParseList(accept, out var mediaTypes))
        {
            return ExpositionFormat.Text;
        }

        double protobuf = -1, openMetrics = -1, text = -1;
        foreach (var mediaType in mediaTypes)
        {
            var quality = mediaType.Quality ?? 1.0;
            var version = GetParameter(mediaType, "version");
            if (mediaType.MediaType.Equals(ProtobufMediaType, StringComparison.OrdinalIgnoreCase)
                && GetParameter(mediaType, "proto") == "io.prometheus.client.MetricFamily"
                && GetParameter(mediaType, "encoding") == "delimited")
            {
                protobuf = Math.Max(protobuf, quality);
            }
            else if (mediaType.MediaType.Equals("application/openmetrics-text", StringComparison.OrdinalIgnoreCase)
                && (version is null || version == "1.0.0"))
            {
                openMetrics = Math.Max(openMetrics, quality);
            }
            else if ((mediaType.MediaType.Equals("text/plain", StringComparison.OrdinalIgnoreCase) && (version is null || version == "0.0.4"))
                || mediaType.MatchesAllTypes || mediaType.MediaType.Equals("text/*", StringComparison.OrdinalIgnoreCase))
            {
                text = Math.Max(text, quality);
            }
        }

        if (protobuf > 0 && protobuf >= openMetrics && protobuf >= text)
        {
            return ExpositionFormat.Protobuf;
        }

        return openMetrics > 0 && openMetrics >= text ? ExpositionFormat.OpenMetrics : ExpositionFormat.Text;
    }

    internal static bool AcceptsGzip(StringValues acceptEncoding)
    {
        if (!StringWithQualityHeaderValue.TryParseList(acceptEncoding, out var encodings))
        {
            return false;
        }

        return encodings.Any(e => e.Quality is not 0
            && (e.Value.Equals("gzip", StringComparison.OrdinalIgnoreCase) || e.Value.Equals("*", StringComparison.Ordinal)));
    }

    private static string? GetParameter(MediaTypeHeaderValue mediaType, string name)
    {
        foreach (var parameter in mediaType.Parameters)
        {
            if (parameter.Name.Equals(name, StringComparison.OrdinalIgnoreCase))
            {
                return HeaderUtilities.RemoveQuotes(parameter.Value).ToString();
            }
        }

        return null;
    }
}
