using System.Buffers.Text;
using System.ComponentModel;
using System.Globalization;
using System.Text;
using Microsoft.AspNetCore.Mvc;
using Pulse.Api.Data;

namespace Pulse.Api.Http;

/// <summary>
/// Keyset pagination by id: a page is the next <c>limit</c> items with an id above the cursor, so pages stay
/// stable while items are added or deleted, and each costs one index range scan however deep it is. The
/// cursor is opaque to clients (base64url of <c>v1:{last id}</c>) so its format can change.
/// </summary>
internal static class Paging
{
    public const int DefaultLimit = 50;
    public const int MaxLimit = 500;

    private const string CursorPrefix = "v1:";

    /// <summary>Checks <c>limit</c> and <c>cursor</c>; on failure records errors keyed by the parameter name.</summary>
    public static bool TryRead(int? limit, string? cursor, InputErrors errors, out int take, out long afterId)
    {
        take = limit ?? DefaultLimit;
        afterId = 0;
        var valid = true;
        if (take is < 1 or > MaxLimit)
        {
            errors.Add("limit", $"Must be from 1 to {MaxLimit}.");
            valid = false;
        }

        if (cursor is not null && !TryDecode(cursor, out afterId))
        {
            errors.Add("cursor", "Is not a cursor this service issued; use the next link of the previous page.");
            valid = false;
        }

        return valid;
    }

    /// <summary>
    /// The answer for rows read in id order after the cursor, at most <paramref name="limit"/> + 1 of them (the
    /// extra one only tells that a next page exists): the first <paramref name="limit"/> as items, and the
    /// relative link to the next page, which keeps <paramref name="parameters"/> and is also sent as
    /// <c>Link: &lt;next&gt;; rel="next"</c> (RFC 8288). No link on the last page.
    /// </summary>
    public static Page<TItem> Page<TRow, TItem>(
        HttpResponse response, string path, int limit, IReadOnlyList<TRow> rows, Func<TRow, TItem> toItem, params (string Name, string? Value)[] parameters)
        where TRow : IVersionedEntity
    {
        string? next = null;
        if (rows.Count > limit)
        {
            var link = new StringBuilder(path).Append(CultureInfo.InvariantCulture, $"?limit={limit}&cursor={Encode(rows[limit - 1].Id)}");
            foreach (var (name, value) in parameters.Where(p => p.Value is not null))
            {
                link.Append('&').Append(name).Append('=').Append(Uri.EscapeDataString(value!));
            }

            next = link.ToString();
            response.Headers.Link = $"<{next}>; rel=\"next\"";
        }

        return new Page<TItem>([.. rows.Take(limit).Select(toItem)], next);
    }

    private static string Encode(long lastId) =>
        Base64Url.EncodeToString(Encoding.ASCII.GetBytes(string.Create(CultureInfo.InvariantCulture, $"{CursorPrefix}{lastId}")));

    private static bool TryDecode(string cursor, out long afterId)
    {
        afterId = 0;
        if (cursor.Length is 0 or > 64)
        {
            return false;
        }

        Span<byte> bytes = stackalloc byte[64];
        if (Base64Url.DecodeFromChars(cursor, bytes, out var consumed, out var written) != System.Buffers.OperationStatus.Done || consumed != cursor.Length)
        {
            return false;
        }

        var text = Encoding.ASCII.GetString(bytes[..written]);
        return text.StartsWith(CursorPrefix, StringComparison.Ordinal)
            && long.TryParse(text.AsSpan(CursorPrefix.Length), NumberStyles.None, CultureInfo.InvariantCulture, out afterId)
            && Encode(afterId) == cursor;
    }
}

/// <summary>Query parameters of a paged list.</summary>
/// <param name="Limit">Items per page, 1 to 500 (default 50).</param>
/// <param name="Cursor">Where to continue: the cursor in the previous page's next link.</param>
internal sealed record PageQuery(
    [FromQuery(Name = "limit")][property: Description("Items per page, 1 to 500 (default 50).")] int? Limit,
    [FromQuery(Name = "cursor")][property: Description("Where to continue: the cursor in the previous page's next link.")] string? Cursor);

/// <summary>One page of a list and the link to the next, null on the last page.</summary>
internal sealed record Page<T>(IReadOnlyList<T> Items, string? Next);
