using System.Globalization;
using Microsoft.AspNetCore.Http.HttpResults;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.Options;
using Pulse.Api.Data;
using Pulse.Api.Http;

namespace Pulse.Api.Tasks;

/// <summary>
/// The task tracker, with the product catalogue's conventions (batches, pages, ETags, conditional updates),
/// plus a status filter on the list. docs/api.md describes the contract.
/// </summary>
internal static class TaskApi
{
    public const string Route = "/tasks";

    private const string Resource = "task";

    public static IEndpointRouteBuilder MapTasks(this IEndpointRouteBuilder routes)
    {
        var group = routes.MapGroup(Route).WithTags("Tasks")
            .ProducesProblem(StatusCodes.Status503ServiceUnavailable);

        group.MapGet(string.Empty, ListTasks)
            .WithMetadata(new RouteLabel(Route))
            .WithName("ListTasks")
            .WithSummary("Lists tasks in id order, a page at a time, optionally of one status.")
            .WithDescription("The next page is in `next` and in the `Link` header (rel=\"next\"); both keep the status filter and are absent on the last page.");

        group.MapGet("/{id}", GetTask)
            .WithName("GetTask")
            .WithSummary("Gets one task; its ETag is in the ETag header.")
            .Produces(StatusCodes.Status304NotModified)
            .ProducesProblem(StatusCodes.Status404NotFound);

        group.MapPost(string.Empty, CreateTasks)
            .WithMetadata(new RouteLabel(Route))
            .WithName("CreateTasks")
            .WithSummary("Creates one task, or up to 1000 at once (all or none).")
            .WithDescription("A single object answers 201 with Location and ETag. An array answers 201 with the created tasks; "
                + "if any item is invalid nothing is written and the errors name the failing indexes ([3].title).")
            .Accepts<TaskInput>("application/json")
            .WithMetadata(new OneOrManyBody(typeof(TaskInput), typeof(TaskResponse)))
            .ProducesProblem(StatusCodes.Status409Conflict)
            .ProducesProblem(StatusCodes.Status413PayloadTooLarge)
            .ProducesProblem(StatusCodes.Status415UnsupportedMediaType)
            .ProducesProblem(StatusCodes.Status507InsufficientStorage);

        group.MapPut("/{id}", UpdateTask)
            .WithName("UpdateTask")
            .WithSummary("Replaces a task. With If-Match, only if it is still the version the ETag names.")
            .WithDescription("Without If-Match the update is unconditional (last writer wins). A stale If-Match answers 412.")
            .Accepts<TaskInput>("application/json")
            .ProducesProblem(StatusCodes.Status404NotFound)
            .ProducesProblem(StatusCodes.Status412PreconditionFailed)
            .ProducesProblem(StatusCodes.Status413PayloadTooLarge)
            .ProducesProblem(StatusCodes.Status415UnsupportedMediaType)
            .ProducesProblem(StatusCodes.Status507InsufficientStorage);

        group.MapDelete("/{id}", DeleteTask)
            .WithName("DeleteTask")
            .WithSummary("Deletes a task. With If-Match, only if it is still the version the ETag names.")
            .ProducesProblem(StatusCodes.Status404NotFound)
            .ProducesProblem(StatusCodes.Status412PreconditionFailed)
            .ProducesProblem(StatusCodes.Status507InsufficientStorage);

        return routes;
    }

    internal static async Task<Results<Ok<Page<TaskResponse>>, ValidationProblem>> ListTasks(
        [AsParameters] TaskListQuery query, PulseDbContext db, HttpResponse response, CancellationToken cancellationToken)
    {
        var errors = new InputErrors();
        var valid = Paging.TryRead(query.Limit, query.Cursor, errors, out var limit, out var afterId);
        TaskState? status = null;
        if (query.Status is not null)
        {
            if (TaskStates.TryParse(query.Status, out var state))
            {
                status = state;
            }
            else
            {
                errors.Add("status", $"Must be one of {string.Join(", ", TaskStates.All)}.");
                valid = false;
            }
        }

        if (!valid)
        {
            return errors.ToProblem();
        }

        var tasks = db.Tasks.AsNoTracking().Where(t => t.Id > afterId);
        if (status is { } only)
        {
            tasks = tasks.Where(t => t.Status == only);
        }

        var rows = await tasks.OrderBy(t => t.Id).Take(limit + 1).ToListAsync(cancellationToken);
        return TypedResults.Ok(Paging.Page(response, Route, limit, rows, TaskResponse.From, ("status", query.Status)));
    }

    internal static async Task<Results<Ok<TaskResponse>, StatusCodeHttpResult, ProblemHttpResult>> GetTask(
        long id, PulseDbContext db, HttpContext context, CancellationToken cancellationToken)
    {
        if (await CompiledQueries.FindAsync<TaskItem>(db, id, cancellationToken) is not { } task)
        {
            return ApiProblems.NotFound(Resource, id);
        }

        ETags.Set(context.Response, task.Version);
        return ETags.NoneMatchHas(context.Request.Headers.IfNoneMatch, task.Version)
            ? TypedResults.StatusCode(StatusCodes.Status304NotModified)
            : TypedResults.Ok(TaskResponse.From(task));
    }

    internal static async Task<Results<Created<TaskResponse>, Created<TaskResponse[]>, ValidationProblem, ProblemHttpResult>> CreateTasks(
        HttpContext context, PulseDbContext db, IOptions<ApiOptions> api, TimeProvider clock, CancellationToken cancellationToken)
    {
        var inputs = await RequestInputs.ReadOneOrManyAsync<TaskInput>(context.Request, api.Value.MaxRequestBodyBytes, cancellationToken);
        if (inputs.Problem is { } problem)
        {
            return problem;
        }

        if (inputs.Errors is { } invalid)
        {
            return invalid;
        }

        var now = VersionedStore.Now(clock);
        var tasks = inputs.Items
            .Select(input => new TaskItem
            {
                Id = input.Id ?? 0,
                Title = input.Title,
                Description = input.Description,
                Status = input.Status,
                DueDate = input.DueDate,
                Version = 1,
                CreatedAt = now,
                UpdatedAt = now,
            })
            .ToList();
        if (await VersionedStore.InsertAllAsync(db, tasks, cancellationToken) is [_, ..] taken)
        {
            return ApiProblems.AlreadyExists(Resource, taken);
        }

        if (inputs.IsBatch)
        {
            return TypedResults.Created((string?)null, tasks.Select(TaskResponse.From).ToArray());
        }

        ETags.Set(context.Response, tasks[0].Version);
        return TypedResults.Created(string.Create(CultureInfo.InvariantCulture, $"{Route}/{tasks[0].Id}"), TaskResponse.From(tasks[0]));
    }

    internal static async Task<Results<Ok<TaskResponse>, ValidationProblem, ProblemHttpResult>> UpdateTask(
        long id, HttpContext context, PulseDbContext db, IOptions<ApiOptions> api, TimeProvider clock, CancellationToken cancellationToken)
    {
        if (!ETags.TryParseIfMatch(context.Request.Headers.IfMatch, out var versions))
        {
            return ApiProblems.InvalidIfMatch();
        }

        var inputs = await RequestInputs.ReadOneAsync<TaskInput>(context.Request, api.Value.MaxRequestBodyBytes, id, cancellationToken);
        if (inputs.Problem is { } problem)
        {
            return problem;
        }

        if (inputs.Errors is { } invalid)
        {
            return invalid;
        }

        var input = inputs.Items[0];
        var change = await VersionedStore.UpdateAsync<TaskItem>(
            db,
            id,
            versions,
            set => set
                .SetProperty(t => t.Title, input.Title)
                .SetProperty(t => t.Description, input.Description)
                .SetProperty(t => t.Status, input.Status)
                .SetProperty(t => t.DueDate, input.DueDate),
            VersionedStore.Now(clock),
            cancellationToken);
        if (change.Status != ChangeStatus.Done)
        {
            return ApiProblems.Missed(change.Status, Resource, id);
        }

        ETags.Set(context.Response, change.Stored!.Version);
        return TypedResults.Ok(TaskResponse.From(change.Stored));
    }

    internal static async Task<Results<NoContent, ProblemHttpResult>> DeleteTask(
        long id, HttpRequest request, PulseDbContext db, CancellationToken cancellationToken)
    {
        if (!ETags.TryParseIfMatch(request.Headers.IfMatch, out var versions))
        {
            return ApiProblems.InvalidIfMatch();
        }

        var change = await VersionedStore.DeleteAsync<TaskItem>(db, id, versions, cancellationToken);
        return change.Status == ChangeStatus.Done ? TypedResults.NoContent() : ApiProblems.Missed(change.Status, Resource, id);
    }
}
