using System.Text.Json;
using Microsoft.AspNetCore.Http.HttpResults;
using Microsoft.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore.Query;
using Pulse.Api.Data;
using Pulse.Api.Http;

namespace Pulse.Api.Products;

/// <summary>
/// The product catalogue of seed 002: create (one or a batch), list by pages, read with an ETag, full
/// update (conditional with If-Match), delete. The item endpoints are the ones tasks share
/// (<see cref="VersionedResourceApi{TKind, TEntity, TInput, TResponse}"/>). docs/api.md describes the contract.
/// </summary>
internal static class ProductApi
{
    public const string Route = "/products";

    public static IEndpointRouteBuilder MapProducts(this IEndpointRouteBuilder routes)
    {
        var group = routes.MapGroup(Route).WithTags("Products")
            .ProducesProblem(StatusCodes.Status503ServiceUnavailable);

        group.MapGet(string.Empty, ListProducts)
            .WithMetadata(new RouteLabel(Route))
            .WithName("ListProducts")
            .WithSummary("Lists products in id order, a page at a time.")
            .WithDescription("The next page is in `next` and in the `Link` header (rel=\"next\"); both are absent on the last page.");

        VersionedResourceApi<ProductResource, Product, ProductInput, ProductResponse>.MapItems(group, "Products", exampleField: "price");

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
        var next = rows.Count > limit ? Paging.NextLink(Route, limit, rows[limit - 1].Id) : null;
        Paging.SetLinkHeader(response, next);
        return TypedResults.Ok(new Page<ProductResponse>([.. rows.Take(limit).Select(ProductResponse.From)], next));
    }
}

/// <summary>How the shared item endpoints (<see cref="VersionedResourceApi{TKind, TEntity, TInput, TResponse}"/>) read, write and show a product.</summary>
internal sealed class ProductResource : IVersionedResource<Product, ProductInput, ProductResponse>
{
    private ProductResource()
    {
    }

    public static string Route => ProductApi.Route;

    public static string Name => "product";

    public static ProductInput? Read(JsonElement element, InputErrors errors, string prefix) => ProductRules.Read(element, errors, prefix);

    public static long? IdOf(ProductInput input) => input.Id;

    public static Product Create(ProductInput input) => new()
    {
        Name = input.Name,
        Price = input.Price,
        Amount = input.Amount,
    };

    public static void Update(UpdateSettersBuilder<Product> set, ProductInput input) => set
        .SetProperty(p => p.Name, input.Name)
        .SetProperty(p => p.Price, input.Price)
        .SetProperty(p => p.Amount, input.Amount);

    public static ProductResponse ToResponse(Product entity) => ProductResponse.From(entity);
}
