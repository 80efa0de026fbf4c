using Amazon.CDK;
using Amazon.CDK.AWS.ECR;
using Constructs;
using Pulse.Infra.Settings;

namespace Pulse.Infra.Stacks;

/// <summary>
/// The image repository, in a stack of its own: the deploy workflow creates it first, pushes the image,
/// and only then deploys the service that runs the image.
/// </summary>
internal sealed class RegistryStack : Stack
{
    public RegistryStack(Construct scope, string id, EnvironmentSettings settings, IStackProps props)
        : base(scope, id, props)
    {
        Repository = new Repository(this, "Repository", new RepositoryProps
        {
            RepositoryName = $"{settings.ResourcePrefix}-api",
            ImageScanOnPush = true,
            // Deployments name an image by its git commit; an immutable tag cannot be repointed under a running service.
            ImageTagMutability = TagMutability.IMMUTABLE,
            Encryption = RepositoryEncryption.AES_256,
            LifecycleRules =
            [
                new LifecycleRule { RulePriority = 1, Description = "Expire untagged images after 7 days", TagStatus = TagStatus.UNTAGGED, MaxImageAge = Duration.Days(7) },
                new LifecycleRule { RulePriority = 2, Description = "Keep the 50 most recent images", TagStatus = TagStatus.ANY, MaxImageCount = 50 },
            ],
            // Images outlive a stack deletion (a non-empty repository would fail it anyway); see docs/deployment.md.
            RemovalPolicy = RemovalPolicy.RETAIN,
        });

        _ = new CfnOutput(this, "RepositoryUri", new CfnOutputProps { Value = Repository.RepositoryUri, Description = "Push the service image here" });
        _ = new CfnOutput(this, "RepositoryName", new CfnOutputProps { Value = Repository.RepositoryName });
    }

    public Repository Repository { get; }
}
