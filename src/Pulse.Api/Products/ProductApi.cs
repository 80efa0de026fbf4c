using System.Globalization;
using Microsoft.AspNetCore.Http.HttpResults;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.Options;
using Pulse.Api.Data;
using Pulse.Api.Http;

namespace Pulse.Api.Products;

/// <summary>
/// The product catalogue: create (one or a batch of up to 1,000, all or none), list by pages, read with an
/// ETag, full update and delete, both conditional on If-Match. docs/api.md describes the contract.
/// </summary>
internal static class ProductApi
{
    public const string Route = "/products";

    private const string Resource = "product";

    public static IEndpointRouteBuilder MapProducts(this IEndpointRouteBuilder routes)
    {
        var group = routes.MapGroup(Route).WithTags("Products")
            .ProducesProblem(StatusCodes.Status503ServiceUnavailable);

        group.MapGet(string.Empty, ListProducts)
            .WithMetadata(new RouteLabel(Route))
            .WithName("ListProducts")
            .WithSummary("Lists products in id order, a page at a time.")
            .WithDescription("The next page is in `next` and in the `Link` header (rel=\"next\"); both are absent on the last page.");

        group.MapGet("/{id}", GetProduct)
            .WithName("GetProduct")
            .WithSummary("Gets one product; its ETag is in the ETag header.")
            .Produces(StatusCodes.Status304NotModified)
            .ProducesProblem(StatusCodes.Status404NotFound);

        group.MapPost(string.Empty, CreateProducts)
            .WithMetadata(new RouteLabel(Route))
            .WithName("CreateProducts")
            .WithSummary("Creates one product, or up to 1000 at once (all or none).")
            .WithDescription("A single object answers 201 with Location and ETag. An array answers 201 with the created products; "
                + "if any item is invalid nothing is written and the errors name the failing indexes ([3].price).")
            .Accepts<ProductInput>("application/json")
            .WithMetadata(new OneOrManyBody(typeof(ProductInput), typeof(ProductResponse)))
            .ProducesProblem(StatusCodes.Status409Conflict)
            .ProducesProblem(StatusCodes.Status413PayloadTooLarge)
            .ProducesProblem(StatusCodes.Status415UnsupportedMediaType)
            .ProducesProblem(StatusCodes.Status507InsufficientStorage);

        group.MapPut("/{id}", UpdateProduct)
            .WithName("UpdateProduct")
            .WithSummary("Replaces a product. With If-Match, only if it is still the version the ETag names.")
            .WithDescription("Without If-Match the update is unconditional (last writer wins). A stale If-Match answers 412.")
            .Accepts<ProductInput>("application/json")
            .ProducesProblem(StatusCodes.Status404NotFound)
            .ProducesProblem(StatusCodes.Status412PreconditionFailed)
            .ProducesProblem(StatusCodes.Status413PayloadTooLarge)
            .ProducesProblem(StatusCodes.Status415UnsupportedMediaType)
            .ProducesProblem(StatusCodes.Status507InsufficientStorage);

        group.MapDelete("/{id}", DeleteProduct)
            .WithName("DeleteProduct")
            .WithSummary("Deletes a product. With If-Match, only if it is still the version the ETag names.")
            .ProducesProblem(StatusCodes.Status404NotFound)
            .ProducesProblem(StatusCodes.Status412PreconditionFailed)
            .ProducesProblem(StatusCodes.Status507InsufficientStorage);

        return routes;
    }

    internal static async Task<Results<Ok<Page<ProductResponse>>, ValidationProblem>> ListProducts(
        [AsParameters] PageQuery query, PulseDbContext db, HttpResponse response, CancellationToken cancellationToken)
    {
        var errors = new InputErrors();
        if (!Paging.TryRead(query.Limit, query.Cursor, errors, out var limit, out var afterId))
        {
            return errors.ToProblem();
        }

        var rows = await db.Products.AsNoTracking()
            .Where(p => p.Id > afterId)
            .OrderBy(p => p.Id)
            .Take(limit + 1)
            .ToListAsync(cancellationToken);
        return TypedResults.Ok(Paging.Page(response, Route, limit, rows, ProductResponse.From));
    }

    internal static async Task<Results<Ok<ProductResponse>, StatusCodeHttpResult, ProblemHttpResult>> GetProduct(
        long id, PulseDbContext db, HttpContext context, CancellationToken cancellationToken)
    {
        if (await CompiledQueries.FindAsync<Product>(db, id, cancellationToken) is not { } product)
        {
            return ApiProblems.NotFound(Resource, id);
        }

        ETags.Set(context.Response, product.Version);
        return ETags.NoneMatchHas(context.Request.Headers.IfNoneMatch, product.Version)
            ? TypedResults.StatusCode(StatusCodes.Status304NotModified)
            : TypedResults.Ok(ProductResponse.From(product));
    }

    internal static async Task<Results<Created<ProductResponse>, Created<ProductResponse[]>, ValidationProblem, ProblemHttpResult>> CreateProducts(
        HttpContext context, PulseDbContext db, IOptions<ApiOptions> api, TimeProvider clock, CancellationToken cancellationToken)
    {
        var inputs = await RequestInputs.ReadOneOrManyAsync<ProductInput>(context.Request, api.Value.MaxRequestBodyBytes, cancellationToken);
        if (inputs.Problem is { } problem)
        {
            return problem;
        }

        if (inputs.Errors is { } invalid)
        {
            return invalid;
        }

        var now = VersionedStore.Now(clock);
        var products = inputs.Items
            .Select(input => new Product { Id = input.Id ?? 0, Name = input.Name, Price = input.Price, Amount = input.Amount, Version = 1, CreatedAt = now, UpdatedAt = now })
            .ToList();
        if (await VersionedStore.InsertAllAsync(db, products, cancellationToken) is [_, ..] taken)
        {
            return ApiProblems.AlreadyExists(Resource, taken);
        }

        if (inputs.IsBatch)
        {
            return TypedResults.Created((string?)null, products.Select(ProductResponse.From).ToArray());
        }

        ETags.Set(context.Response, products[0].Version);
        return TypedResults.Created(string.Create(CultureInfo.InvariantCulture, $"{Route}/{products[0].Id}"), ProductResponse.From(products[0]));
    }

    internal static async Task<Results<Ok<ProductResponse>, ValidationProblem, ProblemHttpResult>> UpdateProduct(
        long id, HttpContext context, PulseDbContext db, IOptions<ApiOptions> api, TimeProvider clock, CancellationToken cancellationToken)
    {
        if (!ETags.TryParseIfMatch(context.Request.Headers.IfMatch, out var versions))
        {
            return ApiProblems.InvalidIfMatch();
        }

        var inputs = await RequestInputs.ReadOneAsync<ProductInput>(context.Request, api.Value.MaxRequestBodyBytes, id, cancellationToken);
        if (inputs.Problem is { } problem)
        {
            return problem;
        }

        if (inputs.Errors is { } invalid)
        {
            return invalid;
        }

        var input = inputs.Items[0];
        var change = await VersionedStore.UpdateAsync<Product>(
            db,
            id,
            versions,
            set => set.SetProperty(p => p.Name, input.Name).SetProperty(p => p.Price, input.Price).SetProperty(p => p.Amount, input.Amount),
            VersionedStore.Now(clock),
            cancellationToken);
        if (change.Status != ChangeStatus.Done)
        {
            return ApiProblems.Missed(change.Status, Resource, id);
        }

        ETags.Set(context.Response, change.Stored!.Version);
        return TypedResults.Ok(ProductResponse.From(change.Stored));
    }

    internal static async Task<Results<NoContent, ProblemHttpResult>> DeleteProduct(
        long id, HttpRequest request, PulseDbContext db, CancellationToken cancellationToken)
    {
        if (!ETags.TryParseIfMatch(request.Headers.IfMatch, out var versions))
        {
            return ApiProblems.InvalidIfMatch();
        }

        var change = await VersionedStore.DeleteAsync<Product>(db, id, versions, cancellationToken);
        return change.Status == ChangeStatus.Done ? TypedResults.NoContent() : ApiProblems.Missed(change.Status, Resource, id);
    }
}
