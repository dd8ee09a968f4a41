// UpdateFeatures (key 57), v0-2: upgrades, downgrades (v0: allowDowngrade) and deletes (level 0) finalized features,
// validate_only (v1+), with Kafka 4.0's controller rules and messages (Coordination/Features/FinalizedFeatures.cs). Atomic:
// the first failure is the top-level error and (v0-1) every feature's result ("NONE" on success, as in Kafka).
// Stricter than Kafka: a SAFE_DOWNGRADE of group.version to 0 is refused while consumer (KIP-848) groups exist.
// With an authorizer: ALTER on the cluster, else CLUSTER_AUTHORIZATION_FAILED.
using Chronik.Broker.Dispatch;
using Chronik.Broker.Security;
using Chronik.Broker.Services;
using Chronik.Coordination.Acls;
using Chronik.Coordination.Features;
using Chronik.Protocol.Messages;

namespace Chronik.Broker.Handlers;

/// <summary>Changes the cluster's finalized features.</summary>
public sealed class UpdateFeaturesHandler : ApiHandler<UpdateFeaturesRequest, UpdateFeaturesResponse>
{
    private readonly FinalizedFeatures _features;
    private readonly GroupCoordinatorService _groups;
    private readonly IRequestAuthorizer _auth;

    public UpdateFeaturesHandler(FinalizedFeatures features, GroupCoordinatorService groups, IRequestAuthorizer auth)
    {
        _features = features;
        _groups = groups;
        _auth = auth;
    }

    private const string FailedForAll = "The update failed for all features since the following feature had an error: ";

    public override ApiKey Key => ApiKey.UpdateFeatures;
    public override short MinVersion => 0;
    public override short MaxVersion => 2;

    protected override ValueTask<UpdateFeaturesResponse?> HandleAsync(RequestContext context, UpdateFeaturesRequest request, CancellationToken cancellationToken)
    {
        short v = context.ApiVersion;
        var duplicate = request.FeatureUpdates.GroupBy(u => u.Feature, StringComparer.Ordinal).FirstOrDefault(g => g.Count() > 1);
        (ErrorCode Error, string? Message) outcome;
        if (!_auth.AuthorizeCluster(context, AclOperation.Alter)) outcome = (ErrorCode.ClusterAuthorizationFailed, AuthorizerExtensions.AuthorizationMessage(ErrorCode.ClusterAuthorizationFailed));
        else if (duplicate is not null) outcome = (ErrorCode.InvalidRequest, $"Feature {duplicate.Key} appears more than once in the request.");
        else
        {
            var updates = request.FeatureUpdates.Select(u => new FeatureUpdate(u.Feature, u.MaxVersionLevel,
                v == 0 ? (u.AllowDowngrade ? FeatureUpgradeType.SafeDowngrade : FeatureUpgradeType.Upgrade) : ToType(u.UpgradeType))).ToList();
            // Under the group coordinator's lock, so no consumer group appears between the check and the change.
            outcome = _groups.Read(c => _features.Update(updates, v >= 1 && request.ValidateOnly, () => c.ConsumerGroupCount));
        }
        var response = new UpdateFeaturesResponse
        {
            ErrorCode = (short)outcome.Error,
            ErrorMessage = outcome.Error == ErrorCode.InvalidUpdateVersion ? FailedForAll + outcome.Message : outcome.Message,
        };
        if (v <= 1)
        {
            foreach (var update in request.FeatureUpdates)
            {
                response.Results.Add(new UpdateFeaturesResponse.UpdatableFeatureResult
                {
                    Feature = update.Feature,
                    ErrorCode = (short)outcome.Error,
                    ErrorMessage = outcome.Message ?? (outcome.Error == ErrorCode.None ? "NONE" : null),
                });
            }
        }
        return new(response);
    }

    private static FeatureUpgradeType ToType(sbyte code) => code is >= 1 and <= 3 ? (FeatureUpgradeType)code : FeatureUpgradeType.Unknown;
}
