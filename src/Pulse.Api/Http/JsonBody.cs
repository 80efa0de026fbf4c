using System.Buffers;
using System.Text.Json;
using Microsoft.AspNetCore.Http.HttpResults;
using Microsoft.Net.Http.Headers;

namespace Pulse.Api.Http;

/// <summary>
/// Reads a request body as one JSON document, so that the endpoints can report every problem in it by
/// field (and by index in a batch) rather than the first one a serializer trips over. Checks, in order:
/// the media type (415), the size (413, <c>Api:MaxRequestBodyBytes</c>), the JSON syntax (400).
/// </summary>
internal static class JsonBody
{
    private static readonly JsonDocumentOptions DocumentOptions = new()
    {
        AllowDuplicateProperties = false,
        AllowTrailingCommas = false,
        CommentHandling = JsonCommentHandling.Disallow,
        MaxDepth = 16,
    };

    public static async Task<JsonBodyResult> ReadAsync(HttpRequest request, long maxBytes, CancellationToken cancellationToken)
    {
        if (!IsJson(request.ContentType))
        {
            return new(null, ApiProblems.UnsupportedMediaType(request.ContentType));
        }

        if (request.ContentLength > maxBytes)
        {
            return new(null, ApiProblems.TooLarge(maxBytes));
        }

        var buffer = new ArrayBufferWriter<byte>(request.ContentLength is > 0 and var length ? (int)length : 4096);
        while (true)
        {
            var memory = buffer.GetMemory(4096);
            var read = await request.Body.ReadAsync(memory, cancellationToken);
            if (read == 0)
            {
                break;
            }

            buffer.Advance(read);
            if (buffer.WrittenCount > maxBytes)
            {
                return new(null, ApiProblems.TooLarge(maxBytes));
            }
        }

        var bytes = buffer.WrittenMemory;
        if (bytes.Span.StartsWith("\uFEFF"u8))
        {
            bytes = bytes[3..];
        }

        if (bytes.IsEmpty)
        {
            return new(null, ApiProblems.MalformedJson("The request body is empty; send a JSON document."));
        }

        try
        {
            return new(JsonDocument.Parse(bytes, DocumentOptions), null);
        }
        catch (JsonException ex)
        {
            return new(null, ApiProblems.MalformedJson(ex.Message));
        }
    }

    /// <summary><c>application/json</c> or another <c>application/*+json</c>, in UTF-8 when a charset is given.</summary>
    private static bool IsJson(string? contentType)
    {
        if (!MediaTypeHeaderValue.TryParse(contentType, out var mediaType) || !mediaType.Type.Equals("application", StringComparison.OrdinalIgnoreCase))
        {
            return false;
        }

        var subType = mediaType.SubType;
        var json = subType.Equals("json", StringComparison.OrdinalIgnoreCase) || subType.EndsWith("+json", StringComparison.OrdinalIgnoreCase);
        var charset = mediaType.Charset;
        return json && (!charset.HasValue || charset.Equals("utf-8", StringComparison.OrdinalIgnoreCase) || charset.Equals("utf8", StringComparison.OrdinalIgnoreCase));
    }
}

/// <summary>The parsed body, or the problem that stopped it from being read. The caller disposes the document.</summary>
internal readonly record struct JsonBodyResult(JsonDocument? Document, ProblemHttpResult? Problem);
