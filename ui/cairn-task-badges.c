/* SPDX-License-Identifier: GPL-3.0-or-later */
/* cairn-task-badges.c: a task row's decorations (see the header). */
#define G_LOG_DOMAIN "cairn-task-badges"

#include "config.h"

#include <glib/gi18n.h>

#include "cairn-task-badges.h"

#define MAX_CHIPS 3

struct _CairnTaskBadges
{
  GtkWidget   parent_instance;

  CairnPool  *pool;
  CairnStore *store;
  gulong      store_changed_id;
  CairnTodo  *todo;
  gulong      notify_id;
};

G_DEFINE_FINAL_TYPE (CairnTaskBadges, cairn_task_badges, GTK_TYPE_WIDGET)

static GtkWidget *
add_label (CairnTaskBadges *self,
           const char      *name,
           const char      *icon,
           const char      *text,
           const char      *accessible)
{
  GtkWidget *box = gtk_box_new (GTK_ORIENTATION_HORIZONTAL, 3);

  gtk_widget_set_name (box, name);
  gtk_widget_add_css_class (box, "badge");
  if (icon != NULL)
    {
      GtkWidget *image = gtk_image_new_from_icon_name (icon);
      gtk_accessible_update_property (GTK_ACCESSIBLE (image), GTK_ACCESSIBLE_PROPERTY_LABEL,
                                      accessible, -1);
      gtk_box_append (GTK_BOX (box), image);
    }
  if (text != NULL)
    {
      GtkWidget *label = gtk_label_new (text);
      gtk_box_append (GTK_BOX (box), label);
    }
  gtk_widget_set_tooltip_text (box, accessible);
  gtk_accessible_update_property (GTK_ACCESSIBLE (box), GTK_ACCESSIBLE_PROPERTY_LABEL,
                                  accessible, -1);
  gtk_widget_set_parent (box, GTK_WIDGET (self));
  return box;
}

static void
badges_sync (CairnTaskBadges *self)
{
  const char *priority, *repeat, *time;
  const char * const *tag_ids;
  guint n_tags, n_subs, shown = 0;

  for (GtkWidget *child; (child = gtk_widget_get_first_child (GTK_WIDGET (self))) != NULL;)
    gtk_widget_unparent (child);
  if (self->todo == NULL)
    {
      gtk_widget_set_visible (GTK_WIDGET (self), FALSE);
      return;
    }

  priority = cairn_todo_get_priority (self->todo);
  if (g_strcmp0 (priority, "high") == 0)
    gtk_widget_add_css_class (add_label (self, "priority_badge", "emblem-important-symbolic",
                                         NULL, _("High priority")), "priority-high");
  else if (g_strcmp0 (priority, "medium") == 0)
    gtk_widget_add_css_class (add_label (self, "priority_badge", "emblem-important-symbolic",
                                         NULL, _("Medium priority")), "priority-medium");
  else if (g_strcmp0 (priority, "low") == 0)
    gtk_widget_add_css_class (add_label (self, "priority_badge", "emblem-important-symbolic",
                                         NULL, _("Low priority")), "priority-low");

  /* Counted by the pool, notified on the todo when they change. */
  n_subs = cairn_todo_get_n_subtasks (self->todo);
  if (n_subs > 0)
    {
      guint done = cairn_todo_get_n_subtasks_done (self->todo);
      g_autofree char *text = NULL;
      g_autofree char *accessible = NULL;

      /* Translators: subtasks done of all: "2/5" */
      text = g_strdup_printf (C_("subtasks", "%u/%u"), done, n_subs);
      accessible = g_strdup_printf (g_dngettext (GETTEXT_PACKAGE,
                                                 "%u of %u subtask done",
                                                 "%u of %u subtasks done", n_subs),
                                    done, n_subs);
      add_label (self, "subtasks_badge", "checkbox-checked-symbolic", text, accessible);
    }

  time = cairn_todo_get_due_time (self->todo);
  if (time != NULL && cairn_todo_get_due (self->todo) != NULL)
    {
      g_autofree char *accessible = g_strdup_printf (_("Due at %s"), time);
      add_label (self, "time_badge", "alarm-symbolic", time, accessible);
    }

  repeat = cairn_todo_get_repeat (self->todo);
  if (repeat != NULL)
    add_label (self, "repeat_badge", "media-playlist-repeat-symbolic", NULL, _("Repeats"));

  tag_ids = cairn_todo_get_tag_ids (self->todo);
  n_tags = g_strv_length ((char **) tag_ids);
  for (guint i = 0; i < n_tags && shown < MAX_CHIPS; i++)
    {
      CairnTag *tag = cairn_pool_lookup_tag (self->pool, tag_ids[i]);
      g_autofree char *accessible = NULL;
      g_autofree char *dot_class = NULL;
      GtkWidget *chip, *dot;

      if (tag == NULL)
        continue;
      accessible = g_strdup_printf (_("Tag %s"), cairn_tag_get_name (tag));
      chip = add_label (self, "tag_badge", NULL, cairn_tag_get_name (tag), accessible);
      gtk_widget_add_css_class (chip, "tag-badge");
      /* Only the tags' names give way when the row is narrow. */
      gtk_label_set_ellipsize (GTK_LABEL (gtk_widget_get_last_child (chip)), PANGO_ELLIPSIZE_END);
      gtk_label_set_max_width_chars (GTK_LABEL (gtk_widget_get_last_child (chip)), 12);
      gtk_label_set_width_chars (GTK_LABEL (gtk_widget_get_last_child (chip)), 3);
      dot = gtk_box_new (GTK_ORIENTATION_HORIZONTAL, 0);
      gtk_widget_set_valign (dot, GTK_ALIGN_CENTER);
      dot_class = g_strdup_printf ("tag-%s", cairn_tag_get_color (tag));
      gtk_widget_add_css_class (dot, "tag-dot");
      gtk_widget_add_css_class (dot, dot_class);
      gtk_box_prepend (GTK_BOX (chip), dot);
      shown++;
    }
  if (n_tags > shown)
    {
      g_autofree char *text = g_strdup_printf ("+%u", n_tags - shown);
      g_autofree char *accessible = g_strdup_printf (g_dngettext (GETTEXT_PACKAGE,
                                                                  "%u more tag", "%u more tags",
                                                                  n_tags - shown),
                                                     n_tags - shown);
      add_label (self, "more_tags_badge", NULL, text, accessible);
    }

  gtk_widget_set_visible (GTK_WIDGET (self), gtk_widget_get_first_child (GTK_WIDGET (self)) != NULL);
}

/* A tag renamed or recoloured: the todo's own notify does not say so
 * (its subtask counts do: the pool keeps them). Runs after the pool's
 * handler. */
static void
on_store_changed (CairnStore      *store,
                  CairnChanges    *changes,
                  CairnTaskBadges *self)
{
  if (self->todo == NULL)
    return;
  if (changes->reset || (changes->tags != NULL && g_hash_table_size (changes->tags) > 0))
    badges_sync (self);
}

void
cairn_task_badges_set_todo (CairnTaskBadges *self,
                            CairnTodo       *todo)
{
  g_return_if_fail (CAIRN_IS_TASK_BADGES (self));

  if (self->todo == todo)
    return;
  if (self->todo != NULL)
    {
      g_clear_signal_handler (&self->notify_id, self->todo);
      g_clear_object (&self->todo);
    }
  g_clear_signal_handler (&self->store_changed_id, self->store);
  if (todo != NULL)
    {
      self->todo = g_object_ref (todo);
      self->notify_id = g_signal_connect_swapped (todo, "notify", G_CALLBACK (badges_sync), self);
      self->store_changed_id = g_signal_connect (self->store, "changed",
                                                 G_CALLBACK (on_store_changed), self);
    }
  badges_sync (self);
}

static void
cairn_task_badges_dispose (GObject *object)
{
  CairnTaskBadges *self = CAIRN_TASK_BADGES (object);

  cairn_task_badges_set_todo (self, NULL);
  for (GtkWidget *child; (child = gtk_widget_get_first_child (GTK_WIDGET (self))) != NULL;)
    gtk_widget_unparent (child);
  g_clear_object (&self->store);
  g_clear_object (&self->pool);

  G_OBJECT_CLASS (cairn_task_badges_parent_class)->dispose (object);
}

static void
cairn_task_badges_class_init (CairnTaskBadgesClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);
  GtkWidgetClass *widget_class = GTK_WIDGET_CLASS (klass);

  object_class->dispose = cairn_task_badges_dispose;
  gtk_widget_class_set_layout_manager_type (widget_class, GTK_TYPE_BOX_LAYOUT);
  gtk_widget_class_set_css_name (widget_class, "taskbadges");
}

static void
cairn_task_badges_init (CairnTaskBadges *self)
{
  gtk_box_layout_set_spacing (GTK_BOX_LAYOUT (gtk_widget_get_layout_manager (GTK_WIDGET (self))), 10);
  gtk_widget_add_css_class (GTK_WIDGET (self), "task-badges");
  gtk_widget_set_visible (GTK_WIDGET (self), FALSE);
}

GtkWidget *
cairn_task_badges_new (CairnPool *pool)
{
  CairnTaskBadges *self;

  g_return_val_if_fail (CAIRN_IS_POOL (pool), NULL);

  self = g_object_new (CAIRN_TYPE_TASK_BADGES, NULL);
  self->pool = g_object_ref (pool);
  self->store = g_object_ref (cairn_pool_get_store (pool));
  return GTK_WIDGET (self);
}
