package io.tollgate.api.draft;

import io.tollgate.tenant.ResolvedTenant;
import io.tollgate.tenant.TenantId;
import io.tollgate.tenant.db.DataException;

import java.time.LocalDate;
import java.util.Objects;
import java.util.Optional;

/**
 * The one way the worker gets a draft: the model's when a model is configured, the tenant's daily budget allows one
 * and the model answers; the built-in template's otherwise. The template never fails, so a ticket always gets a draft.
 *
 * <p>The composition root builds the writers and the budget and hands them in. Without a model (no model URL) this
 * is the template alone and the budget table is never touched. With one, a draft is taken from the tenant's
 * {@link DraftBudget} before the model is called (so concurrent workers, in any process of the fleet, cannot overspend
 * it). The tenant's limit is its own {@code limits.llm_drafts_per_day}, else the fleet's default
 * ({@link LlmSettings#dailyBudget()}). A call that reached the model counts, whatever the model answered (the budget
 * bounds what the operator pays for); a call that never reached it (the tenant's breaker open, no connection) gives
 * its draft back. A spent budget, or any {@link DraftException} from the model, gives the template's draft with the
 * reason in {@link Drafted#fallbackReason()}; a model failure is also logged once at WARNING with the tenant id and
 * the reason, never the customer's text.
 *
 * <p>Every draft ends with a line that names its writer ({@link #TEMPLATE_LINE}, or {@link #MODEL_LINE} and the
 * model's name), in the text and, escaped, in the HTML: the agent sees which one wrote the note.
 *
 * <p>A database failure while taking the budget is not hidden: the {@link DataException} goes to the caller, whose
 * job is retried like any other database failure. One while giving a draft back is logged and the draft stays spent.
 */
public final class Drafting {
    /** The last line of a draft by the template. */
    public static final String TEMPLATE_LINE = "\u2014 drafted by Tollgate from the order template";
    /** The start of the last line of a draft by the model; the model's name follows. */
    public static final String MODEL_LINE = "\u2014 drafted by Tollgate with ";

    private static final System.Logger LOG = System.getLogger(Drafting.class.getName());
    private static final int MAX_MODEL_NAME = 80;

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
     * @param dailyBudget the fleet's default: model drafts a tenant without its own limit may have per UTC day
     *                    ({@link LlmSettings#dailyBudget()})
     */
    public Drafting(TemplateDraftWriter template, LlmDraftWriter model, DraftBudget budget, int dailyBudget) {
        this.template = Objects.requireNonNull(template, "template");
        String name = DraftText.clean(model.model(), MAX_MODEL_NAME);
        this.model = Optional.of(new Model(Objects.requireNonNull(model, "model"),
                                           Objects.requireNonNull(budget, "budget"), dailyBudget,
                                           MODEL_LINE + (name == null ? "a language model" : name)));
    }

    private record Model(LlmDraftWriter writer, DraftBudget budget, int dailyBudget, String line) {
    }

    /** Whether drafts may come from a model (a URL is configured). */
    public boolean modelEnabled() {
        return model.isPresent();
    }

    /** The tenant's limit of model drafts per UTC day: its own, else the fleet's default; 0 without a model. */
    public int dailyLimit(ResolvedTenant tenant) {
        return model.map(m -> tenant.tenant().limits().llmDraftsPerDay().orElse(m.dailyBudget())).orElse(0);
    }

    /** The tenant's draft for {@code request}; never fails for a model's failure. */
    public Drafted write(ResolvedTenant tenant, DraftRequest request) {
        Objects.requireNonNull(tenant, "tenant");
        Objects.requireNonNull(request, "request");
        if (model.isEmpty()) {
            return Drafted.template(byTemplate(request));
        }
        Model m = model.get();
        TenantId id = tenant.id();
        int limit = dailyLimit(tenant);
        LocalDate day = m.budget().today();
        if (!m.budget().tryTake(id, day, limit)) {
            String reason = "daily draft budget of " + limit + " spent";
            LOG.log(System.Logger.Level.DEBUG, () -> "draft by template: tenant=" + id + " " + reason);
            return Drafted.fallback(byTemplate(request), reason);
        }
        try {
            return Drafted.model(m.writer().write(tenant, request).withLastLine(m.line()));
        } catch (DraftException e) {
            if (!e.reached()) {
                giveBack(m.budget(), id, day);
            }
            LOG.log(System.Logger.Level.WARNING, "model draft failed, template used: tenant=" + id + " reason="
                    + e.reason());
            return Drafted.fallback(byTemplate(request), e.reason());
        }
    }

    private Draft byTemplate(DraftRequest request) {
        return template.write(request).withLastLine(TEMPLATE_LINE);
    }

    private static void giveBack(DraftBudget budget, TenantId id, LocalDate day) {
        try {
            budget.giveBack(id, day);
        } catch (DataException e) {
            LOG.log(System.Logger.Level.WARNING, "a draft of a call that never reached the model could not be given"
                    + " back: tenant=" + id + " " + e.getMessage());
        }
    }
}
