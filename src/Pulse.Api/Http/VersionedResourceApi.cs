using System.Globalization;
using Microsoft.AspNetCore.Http.HttpResults;
using Microsoft.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore.Query;
using Microsoft.Extensions.Options;
using Pulse.Api.Data;

namespace Pulse.Api.Http;

/// <summary>
/// What the shared handlers of <see cref="VersionedResourceApi{TKind, TEntity, TInput, TResponse}"/> need to
/// know about one resource (products, tasks): its names, how to read, create, update and show it.
/// </summary>
internal interface IVersionedResource<TEntity, TInput, TResponse>
    where TEntity : class, IVersionedEntity
    where TInput : class
{
    /// <summary>The route of the collection (<c>/products</c>); an item is at <c>{Route}/{id}</c>.</summary>
    static abstract string Route { get; }

    /// <summary>The resource's name in problem details (<c>product</c>).</summary>
    static abstract string Name { get; }

    /// <summary>Reads and validates one input from a request body.</summary>
    static abstract TInput? Read(System.Text.Json.JsonElement element, InputErrors errors, string prefix);

    /// <summary>The id a client put in the body, if any.</summary>
    static abstract long? IdOf(TInput input);

    /// <summary>A new entity with the input's own fields; id, version and timestamps are set by the caller.</summary>
    static abstract TEntity Create(TInput input);

    /// <summary>A full update of the input's own fields; version and timestamp are set by the caller.</summary>
    static abstract void Update(UpdateSettersBuilder<TEntity> set, TInput input);

    /// <summary>The entity as the service returns it.</summary>
    static abstract TResponse ToResponse(TEntity entity);
}

/// <summary>
/// The item endpoints products and tasks share: create (one or a batch of up to 1,000, all or none), read
/// with an ETag, full update and delete, both conditional on If-Match. The list endpoints differ (filters)
/// and stay with each resource. docs/api.md describes the contract.
/// </summary>
internal static class VersionedResourceApi<TKind, TEntity, TInput, TResponse>
    where TKind : IVersionedResource<TEntity, TInput, TResponse>
    where TEntity : class, IVersionedEntity
    where TInput : class
{
    /// <summary>
    /// Maps the item endpoints on <paramref name="group"/>. <paramref name="plural"/> names the resource in
    /// operation names and summaries (<c>Products</c>), <paramref name="exampleField"/> a field in the batch
    /// error example (<c>price</c>).
    /// </summary>
    public static void MapItems(RouteGroupBuilder group, string plural, string exampleField)
    {
        var singular = TKind.Name;
        var title = char.ToUpperInvariant(singular[0]) + singular[1..];

        group.MapGet("/{id}", Get)
            .WithName("Get" + title)
            .WithSummary($"Gets one {singular}; its ETag is in the ETag header.")
            .Produces(StatusCodes.Status304NotModified)
            .ProducesProblem(StatusCodes.Status404NotFound);

        group.MapPost(string.Empty, Create)
            .WithMetadata(new RouteLabel(TKind.Route))
            .WithName("Create" + plural)
            .WithSummary($"Creates one {singular}, or up to 1000 at once (all or none).")
            .WithDescription($"A single object answers 201 with Location and ETag. An array answers 201 with the created {plural.ToLowerInvariant()}; "
                + $"if any item is invalid nothing is written and the errors name the failing indexes ([3].{exampleField}).")
            .Accepts<TInput>("application/json")
            .WithMetadata(new OneOrManyBody(typeof(TInput), typeof(TResponse)))
            .ProducesProblem(StatusCodes.Status409Conflict)
            .ProducesProblem(StatusCodes.Status413PayloadTooLarge)
            .ProducesProblem(StatusCodes.Status415UnsupportedMediaType)
            .ProducesProblem(StatusCodes.Status507InsufficientStorage);

        group.MapPut("/{id}", Update)
            .WithName("Update" + title)
            .WithSummary($"Replaces a {singular}. With If-Match, only if it is still the version the ETag names.")
            .WithDescription("Without If-Match the update is unconditional (last writer wins). A stale If-Match answers 412.")
            .Accepts<TInput>("application/json")
            .ProducesProblem(StatusCodes.Status404NotFound)
            .ProducesProblem(StatusCodes.Status412PreconditionFailed)
            .ProducesProblem(StatusCodes.Status413PayloadTooLarge)
            .ProducesProblem(StatusCodes.Status415UnsupportedMediaType)
            .ProducesProblem(StatusCodes.Status507InsufficientStorage);

        group.MapDelete("/{id}", Delete)
            .WithName("Delete" + title)
            .WithSummary($"Deletes a {singular}. With If-Match, only if it is still the version the ETag names.")
            .ProducesProblem(StatusCodes.Status404NotFound)
            .ProducesProblem(StatusCodes.Status412PreconditionFailed)
            .ProducesProblem(StatusCodes.Status507InsufficientStorage);
    }

    internal static async Task<Results<Ok<TResponse>, StatusCodeHttpResult, ProblemHttpResult>> Get(
        long id, PulseDbContext db, HttpContext context, CancellationToken cancellationToken)
    {
        if (await CompiledQueries.FindAsync<TEntity>(db, id, cancellationToken) is not { } entity)
        {
            return ApiProblems.NotFound(TKind.Name, id);
        }

        ETags.Set(context.Response, entity.Version);
        return ETags.NoneMatchHas(context.Request.Headers.IfNoneMatch, entity.Version)
            ? TypedResults.StatusCode(StatusCodes.Status304NotModified)
            : TypedResults.Ok(TKind.ToResponse(entity));
    }

    internal static async Task<Results<Created<TResponse>, Created<TResponse[]>, ValidationProblem, ProblemHttpResult>> Create(
        HttpContext context, PulseDbContext db, IOptions<ApiOptions> api, TimeProvider clock, CancellationToken cancellationToken)
    {
        var inputs = await RequestInputs.ReadOneOrManyAsync<TInput>(
            context.Request, api.Value.MaxRequestBodyBytes, TKind.Name, TKind.Read, TKind.IdOf, cancellationToken);
        if (inputs.Problem is { } problem)
        {
            return problem;
        }

        if (inputs.Errors is { } invalid)
        {
            return invalid;
        }

        var now = VersionedStore.Now(clock);
        var entities = inputs.Items.Select(input =>
        {
            var entity = TKind.Create(input);
            entity.Id = TKind.IdOf(input) ?? 0;
            entity.Version = 1;
            entity.CreatedAt = now;
            entity.UpdatedAt = now;
            return entity;
        }).ToList();
        var taken = await VersionedStore.InsertAllAsync(db, entities, cancellationToken);
        if (taken.Count > 0)
        {
            return ApiProblems.AlreadyExists(TKind.Name, taken);
        }

        if (inputs.IsBatch)
        {
            return TypedResults.Created((string?)null, entities.Select(TKind.ToResponse).ToArray());
        }

        var created = entities[0];
        ETags.Set(context.Response, created.Version);
        return TypedResults.Created(string.Create(CultureInfo.InvariantCulture, $"{TKind.Route}/{created.Id}"), TKind.ToResponse(created));
    }

    internal static async Task<Results<Ok<TResponse>, ValidationProblem, ProblemHttpResult>> Update(
        long id, HttpContext context, PulseDbContext db, IOptions<ApiOptions> api, TimeProvider clock, CancellationToken cancellationToken)
    {
        if (ETags.ParseIfMatch(context.Request.Headers.IfMatch) is not { } condition)
        {
            return ApiProblems.InvalidIfMatch();
        }

        var inputs = await RequestInputs.ReadOneAsync<TInput>(
            context.Request, api.Value.MaxRequestBodyBytes, TKind.Read, TKind.IdOf, id, cancellationToken);
        if (inputs.Problem is { } problem)
        {
            return problem;
        }

        if (inputs.Errors is { } invalid)
        {
            return invalid;
        }

        var input = inputs.Items[0];
        var now = VersionedStore.Now(clock);
        var change = await VersionedStore.UpdateAsync<TEntity>(
            db,
            id,
            condition,
            (rows, ct) => rows.ExecuteUpdateAsync(
                set =>
                {
                    TKind.Update(set, input);
                    set.SetProperty(e => e.Version, e => e.Version + 1).SetProperty(e => e.UpdatedAt, now);
                },
                ct),
            cancellationToken);
        switch (change.Status)
        {
            case ChangeStatus.Done:
                ETags.Set(context.Response, change.Stored!.Version);
                return TypedResults.Ok(TKind.ToResponse(change.Stored));
            case ChangeStatus.PreconditionFailed:
                return ApiProblems.PreconditionFailed(TKind.Name, id);
            default:
                return ApiProblems.NotFound(TKind.Name, id);
        }
    }

    internal static async Task<Results<NoContent, ProblemHttpResult>> Delete(
        long id, HttpRequest request, PulseDbContext db, CancellationToken cancellationToken)
    {
        if (ETags.ParseIfMatch(request.Headers.IfMatch) is not { } condition)
        {
            return ApiProblems.InvalidIfMatch();
        }

        var change = await VersionedStore.DeleteAsync<TEntity>(db, id, condition, cancellationToken);
        return change.Status switch
        {
            ChangeStatus.Done => TypedResults.NoContent(),
            ChangeStatus.PreconditionFailed => ApiProblems.PreconditionFailed(TKind.Name, id),
            _ => ApiProblems.NotFound(TKind.Name, id),
        };
    }
}
