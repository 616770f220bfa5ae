package io.tollgate.api.draft;

import io.tollgate.tenant.ResolvedTenant;
import io.tollgate.tenant.TenantId;

import java.util.Objects;
import java.util.Optional;

/**
 * The one way the worker gets a draft: the model's when a model is configured, the tenant's daily budget allows one
 * and the model answers; the built-in template's otherwise. The template never fails, so a ticket always gets a draft.
 *
 * <p>The composition root builds the writers and the budget and hands them in. Without a model (no model URL) this
 * is the template alone and the budget table is never touched. With one, a draft is taken
 * from the tenant's {@link DraftBudget} before the model is called (so concurrent workers cannot overspend it, and a
 * call that then fails still counts: the budget bounds what the operator pays for). A spent budget, or any
 * {@link DraftException} from the model, gives the template's draft with the reason in
 * {@link Drafted#fallbackReason()}; a model failure is also logged once at WARNING with the tenant id and the reason,
 * never the customer's text.
 *
 * <p>A database failure while taking the budget is not hidden: the {@link io.tollgate.tenant.db.DataException} goes to
 * the caller, whose job is retried like any other database failure.
 */
public final class Drafting {
    private static final System.Logger LOG = System.getLogger(Drafting.class.getName());

    private final TemplateDraftWriter template;
    private final Optional<Model> model;

    /** Every draft by the template: no model is configured. */
    public Drafting(TemplateDraftWriter template) {
        this.template = Objects.requireNonNull(template, "template");
        this.model = Optional.empty();
    }

    /**
     * Drafts by {@code model} while the tenant's {@code budget} allows, by {@code template} otherwise.
     *
     * @param dailyBudget model drafts each tenant may have per UTC day ({@link LlmSettings#dailyBudget()})
     */
    public Drafting(TemplateDraftWriter template, LlmDraftWriter model, DraftBudget budget, int dailyBudget) {
        this.template = Objects.requireNonNull(template, "template");
        this.model = Optional.of(new Model(Objects.requireNonNull(model, "model"),
                                           Objects.requireNonNull(budget, "budget"), dailyBudget));
    }

    private record Model(LlmDraftWriter writer, DraftBudget budget, int dailyBudget) {
    }

    /** Whether drafts may come from a model (a URL is configured). */
    public boolean modelEnabled() {
        return model.isPresent();
    }

    /** The tenant's draft for {@code request}; never fails for a model's failure. */
    public Drafted write(ResolvedTenant tenant, DraftRequest request) {
        Objects.requireNonNull(tenant, "tenant");
        Objects.requireNonNull(request, "request");
        if (model.isEmpty()) {
            return Drafted.template(template.write(request));
        }
        TenantId id = tenant.id();
        int dailyBudget = model.get().dailyBudget();
        if (!model.get().budget().tryTake(id, dailyBudget)) {
            String reason = "daily draft budget of " + dailyBudget + " spent";
            LOG.log(System.Logger.Level.DEBUG, () -> "draft by template: tenant=" + id + " " + reason);
            return Drafted.fallback(template.write(request), reason);
        }
        try {
            return Drafted.model(model.get().writer().write(tenant, request));
        } catch (DraftException e) {
            LOG.log(System.Logger.Level.WARNING, "model draft failed, template used: tenant=" + id + " reason="
                    + e.reason());
            return Drafted.fallback(template.write(request), e.reason());
        }
    }
}
