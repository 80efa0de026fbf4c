using System.Text.Json.Serialization;
using Microsoft.AspNetCore.Http.Json;
using Microsoft.Extensions.DependencyInjection.Extensions;
using Microsoft.Extensions.Options;

namespace Pulse.Api.Http;

/// <summary>Registers what the JSON endpoints share: limits, error answers, serialization and the OpenAPI document.</summary>
internal static class ApiRegistration
{
    public const string OpenApiPath = "/openapi/v1.json";
    public const string DocsPath = "docs";

    public static WebApplicationBuilder AddPulseApi(this WebApplicationBuilder builder)
    {
        var services = builder.Services;
        services.AddOptions<ApiOptions>().BindConfiguration(ApiOptions.SectionName).ValidateOnStart();
        services.TryAddEnumerable(ServiceDescriptor.Singleton<IValidateOptions<ApiOptions>, ApiOptionsValidator>());
        services.TryAddSingleton(TimeProvider.System);
        services.AddExceptionHandler<ApiExceptionHandler>();

        // Binding failures (a route id that is not a number, a limit that is not an integer) throw, so that the
        // exception handler answers with problem+json naming the parameter instead of an empty 400.
        services.Configure<RouteHandlerOptions>(options => options.ThrowOnBadRequest = true);
        // Numbers are numbers: the web default also reads them from strings, which the OpenAPI document would
        // then advertise although the endpoints refuse "price": "1.00".
        services.Configure<JsonOptions>(options => options.SerializerOptions.NumberHandling = JsonNumberHandling.Strict);

        // Routing answers 405 and 415 itself (before any handler); say what was wrong there too.
        services.Configure<ProblemDetailsOptions>(options =>
        {
            var previous = options.CustomizeProblemDetails;
            options.CustomizeProblemDetails = context =>
            {
                previous?.Invoke(context);
                context.ProblemDetails.Detail ??= context.ProblemDetails.Status switch
                {
                    StatusCodes.Status405MethodNotAllowed => $"This resource does not support {context.HttpContext.Request.Method}.",
                    StatusCodes.Status415UnsupportedMediaType => "Send the body as application/json (UTF-8).",
                    _ => null,
                };
            };
        });

        services.AddOpenApi(options =>
        {
            options.AddDocumentTransformer(OpenApiTransformers.DescribeDocument);
            options.AddOperationTransformer(OpenApiTransformers.DescribeOneOrManyBodies);
            options.AddSchemaTransformer(OpenApiTransformers.DescribeMoney);
            options.AddSchemaTransformer(OpenApiTransformers.DescribeInputFields);
        });
        return builder;
    }

    /// <summary>The OpenAPI document at <see cref="OpenApiPath"/> and Swagger UI on <c>/docs</c>.</summary>
    public static WebApplication MapPulseApiDocs(this WebApplication app)
    {
        app.MapOpenApi(OpenApiPath);
        app.UseSwaggerUI(options =>
        {
            options.RoutePrefix = DocsPath;
            options.DocumentTitle = "Pulse API";
            options.SwaggerEndpoint(OpenApiPath, "Pulse API v1");
        });
        return app;
    }
}

/// <summary>Endpoint metadata: the body may be one <see cref="Input"/> or an array of them, answered with one <see cref="Output"/> or an array.</summary>
internal sealed record OneOrManyBody(Type Input, Type Output);
