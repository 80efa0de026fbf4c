using System.Text.Json;
using Microsoft.AspNetCore.Http.HttpResults;

namespace Pulse.Api.Http;

/// <summary>
/// Turns request bodies into validated inputs for the JSON endpoints: one object, or (for POST) an array of
/// 1 to <see cref="MaxBatch"/> objects validated as a whole, so that one bad item rejects the batch with
/// every failing index named (<c>[3].price</c>).
/// </summary>
internal static class RequestInputs
{
    public const int MaxBatch = 1000;

    /// <summary>One object or a batch, for a POST.</summary>
    public static async Task<Inputs<T>> ReadOneOrManyAsync<T>(HttpRequest request, long maxBytes, CancellationToken cancellationToken)
        where T : class, IJsonInput<T>
    {
        var body = await JsonBody.ReadAsync(request, maxBytes, cancellationToken);
        if (body.Problem is { } problem)
        {
            return Inputs<T>.Failed(problem);
        }

        using var document = body.Document!;
        var root = document.RootElement;
        var errors = new InputErrors();
        if (root.ValueKind != JsonValueKind.Array)
        {
            return One<T>(root, errors);
        }

        var count = root.GetArrayLength();
        if (count is 0 or > MaxBatch)
        {
            errors.Add(InputErrors.Body, $"A batch holds 1 to {MaxBatch} {T.What}s; this one has {count}.");
            return Inputs<T>.Invalid(errors);
        }

        var items = new List<T>(count);
        var firstIndexOfId = new Dictionary<long, int>();
        var index = 0;
        foreach (var element in root.EnumerateArray())
        {
            var prefix = $"[{index}]";
            if (Read<T>(element, errors, prefix) is { } item)
            {
                items.Add(item);
                if (item.Id is { } id && !firstIndexOfId.TryAdd(id, index))
                {
                    errors.Add($"{prefix}.id", $"Repeats the id of [{firstIndexOfId[id]}]; ids in a batch must differ.");
                }
            }

            index++;
        }

        return errors.IsEmpty ? new Inputs<T>(items, true, null, null) : Inputs<T>.Invalid(errors);
    }

    /// <summary>One object for a PUT to <paramref name="routeId"/>: a body id, if any, must be the route's.</summary>
    public static async Task<Inputs<T>> ReadOneAsync<T>(HttpRequest request, long maxBytes, long routeId, CancellationToken cancellationToken)
        where T : class, IJsonInput<T>
    {
        var body = await JsonBody.ReadAsync(request, maxBytes, cancellationToken);
        if (body.Problem is { } problem)
        {
            return Inputs<T>.Failed(problem);
        }

        using var document = body.Document!;
        var errors = new InputErrors();
        var inputs = One<T>(document.RootElement, errors);
        if (inputs.Items is [{ Id: { } bodyId }] && bodyId != routeId)
        {
            errors.Add("id", $"Must be {routeId}, the id in the URL, or be left out (was {bodyId}).");
            return Inputs<T>.Invalid(errors);
        }

        return inputs;
    }

    private static Inputs<T> One<T>(JsonElement root, InputErrors errors)
        where T : class, IJsonInput<T> =>
        Read<T>(root, errors, string.Empty) is { } item && errors.IsEmpty ? new Inputs<T>([item], false, null, null) : Inputs<T>.Invalid(errors);

    /// <summary>One item; a root that is not an object is reported by <see cref="JsonFields.Open"/>.</summary>
    private static T? Read<T>(JsonElement element, InputErrors errors, string prefix)
        where T : class, IJsonInput<T> =>
        JsonFields.Open(element, errors, prefix, T.What, T.Fields) is { } fields ? T.Read(fields) : null;
}

/// <summary>Validated inputs, or the answer that rejects the request: a problem (415, 413, malformed JSON) or invalid fields.</summary>
internal sealed record Inputs<T>(IReadOnlyList<T> Items, bool IsBatch, ProblemHttpResult? Problem, ValidationProblem? Errors)
{
    public static Inputs<T> Failed(ProblemHttpResult problem) => new([], false, problem, null);

    public static Inputs<T> Invalid(InputErrors errors) => new([], false, null, errors.ToProblem());
}
