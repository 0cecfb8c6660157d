//! [`Fresh`]: a view that is built anew, never diffed, when the closure around it runs again.
//!
//! Tachys diffs a re-rendered view against the old one with a `rebuild` function generated for
//! every element, attribute list and child tuple of that view's type. For the checkout's screens
//! that code is most of the bundle, and it buys nothing: a screen is re-rendered only when the
//! customer moves to another screen (or a form switches mode), and everything inside it that
//! changes is bound to signals of its own. Wrapping a screen in `Fresh` keeps only the `build`
//! half: the old DOM is swapped for a newly built one.

use leptos::tachys::html::attribute::any_attribute::AnyAttribute;
use leptos::tachys::html::attribute::Attribute;
use leptos::tachys::hydration::Cursor;
use leptos::tachys::view::add_attr::AddAnyAttr;
use leptos::tachys::view::{Mountable, Position, PositionState, Render, RenderHtml};

/// A view that is replaced, not diffed, when re-rendered. See the module documentation.
#[derive(Debug)]
pub struct Fresh<V>(pub V);

impl<V: Render> Render for Fresh<V> {
    type State = V::State;

    fn build(self) -> Self::State {
        self.0.build()
    }

    fn rebuild(self, state: &mut Self::State) {
        let mut new = self.0.build();
        state.insert_before_this(&mut new);
        state.unmount();
        *state = new;
    }
}

// The widget is rendered in the browser only; the server-side rendering half of the trait just
// forwards to the inner view so `Fresh` fits wherever a view does.
impl<V: RenderHtml> RenderHtml for Fresh<V> {
    type AsyncOutput = V::AsyncOutput;
    type Owned = Fresh<V::Owned>;

    const MIN_LENGTH: usize = V::MIN_LENGTH;

    fn dry_resolve(&mut self) {
        self.0.dry_resolve();
    }

    async fn resolve(self) -> Self::AsyncOutput {
        self.0.resolve().await
    }

    fn to_html_with_buf(self, buf: &mut String, position: &mut Position, escape: bool, mark_branches: bool, extra_attrs: Vec<AnyAttribute>) {
        self.0.to_html_with_buf(buf, position, escape, mark_branches, extra_attrs);
    }

    fn hydrate<const FROM_SERVER: bool>(self, cursor: &Cursor, position: &PositionState) -> Self::State {
        self.0.hydrate::<FROM_SERVER>(cursor, position)
    }

    fn into_owned(self) -> Self::Owned {
        Fresh(self.0.into_owned())
    }
}

impl<V: RenderHtml> AddAnyAttr for Fresh<V> {
    type Output<SomeNewAttr: Attribute> = Fresh<V::Output<SomeNewAttr>>;

    fn add_any_attr<NewAttr: Attribute>(self, attr: NewAttr) -> Self::Output<NewAttr> {
        Fresh(self.0.add_any_attr(attr))
    }
}
